package dev.ward.dnsproxy.proxy;

import org.xbill.DNS.Message;

/** An upstream's answer that passed {@link dev.ward.dnsproxy.wire.UpstreamReplyCheck}: parsed, and its exact bytes. */
public record UpstreamAnswer(Message message, byte[] wire) {}

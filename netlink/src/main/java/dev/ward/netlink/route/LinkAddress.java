package dev.ward.netlink.route;

import dev.ward.netlink.IpPrefix;

/** An address assigned to a link, with its prefix length (the on-link network). */
public record LinkAddress(int linkIndex, IpPrefix address) {}

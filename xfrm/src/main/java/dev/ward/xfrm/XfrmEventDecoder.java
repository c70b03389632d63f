package dev.ward.xfrm;

import dev.ward.netlink.NetlinkMessage;
import dev.ward.netlink.NetlinkFlags;

import java.nio.ByteBuffer;

/** Turns multicast xfrm messages into typed events; returns null for message types Ward does not act on. */
final class XfrmEventDecoder {
    static final int XFRM_MSG_ACQUIRE = 0x17, XFRM_MSG_EXPIRE = 0x18, XFRM_MSG_POLEXPIRE = 0x1b;
    static final int USER_EXPIRE_LEN = 232, USER_POLEXPIRE_LEN = 176, USER_ACQUIRE_LEN = 280;
    /** Offset of the policy inside xfrm_user_acquire: after xfrm_id, saddr and selector. */
    private static final int ACQUIRE_POLICY_AT = 24 + 16 + 56;

    private XfrmEventDecoder() {}

    static XfrmEvent decode(NetlinkMessage m) {
        ByteBuffer p = m.payload();
        return switch (m.type()) {
            case XFRM_MSG_EXPIRE -> {
                XfrmStructs.require(p, USER_EXPIRE_LEN, "xfrm_user_expire");
                yield SaMessages.decodeExpire(p, USER_EXPIRE_LEN, p.get(224) != 0);
            }
            case XFRM_MSG_POLEXPIRE -> {
                XfrmStructs.require(p, USER_POLEXPIRE_LEN, "xfrm_user_polexpire");
                yield new XfrmEvent.PolicyExpired(PolicyMessages.decode(p, USER_POLEXPIRE_LEN), p.get(168) != 0);
            }
            case XFRM_MSG_ACQUIRE -> {
                XfrmStructs.require(p, USER_ACQUIRE_LEN, "xfrm_user_acquire");
                ByteBuffer policy = p.duplicate().position(ACQUIRE_POLICY_AT).slice().order(p.order());
                InstalledPolicy pol = PolicyMessages.decode(policy.limit(PolicyMessages.USERPOLICY_INFO_LEN), PolicyMessages.USERPOLICY_INFO_LEN);
                int family = pol.policy().selector().family();
                yield new XfrmEvent.Acquire(XfrmStructs.selector(p, 40, family), pol);
            }
            case NetlinkFlags.NLMSG_NOOP -> null;
            default -> null;
        };
    }
}

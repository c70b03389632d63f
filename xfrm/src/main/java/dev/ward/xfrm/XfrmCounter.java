package dev.ward.xfrm;

/**
 * The kernel's xfrm error counters (/proc/net/xfrm_stat, see Documentation/networking/xfrm_proc.rst). Each
 * one names a reason packets were dropped; a rising counter is the first sign of a broken SA or policy.
 */
public enum XfrmCounter {
    XfrmInError, XfrmInBufferError, XfrmInHdrError, XfrmInNoStates, XfrmInStateProtoError, XfrmInStateModeError,
    XfrmInStateSeqError, XfrmInStateExpired, XfrmInStateMismatch, XfrmInStateInvalid, XfrmInTmplMismatch,
    XfrmInNoPols, XfrmInPolBlock, XfrmInPolError, XfrmOutError, XfrmOutBundleGenError, XfrmOutBundleCheckError,
    XfrmOutNoStates, XfrmOutStateProtoError, XfrmOutStateModeError, XfrmOutStateSeqError, XfrmOutStateExpired,
    XfrmOutPolBlock, XfrmOutPolDead, XfrmOutPolError, XfrmFwdHdrError, XfrmOutStateInvalid, XfrmAcquireError,
    XfrmOutStateDirError, XfrmInStateDirError
}

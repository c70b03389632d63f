package dev.ward.xfrm;

/** A policy with the same selector, direction, mark and if_id is already installed. */
public final class DuplicatePolicyException extends XfrmException {
    public DuplicatePolicyException(String subject, int errno, String kernelMessage) {
        super(subject, errno, kernelMessage, "a policy with this selector, direction and mark is already installed");
    }
}

package dev.ward.policy.model;

/** What a rule section does with the flows it matches: {@code ingress}/{@code egress} allow, the *Deny sections deny. */
public enum Action { ALLOW, DENY }

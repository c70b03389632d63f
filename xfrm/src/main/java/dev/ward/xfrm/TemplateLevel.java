package dev.ward.xfrm;

/** REQUIRED: the packet must be transformed by a matching SA. USE: transform if an SA exists, else pass. */
public enum TemplateLevel {
    REQUIRED, USE
}

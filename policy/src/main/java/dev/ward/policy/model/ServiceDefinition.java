package dev.ward.policy.model;

import dev.ward.policy.label.LabelSelector;
import dev.ward.policy.label.LabelSet;

/**
 * A Kubernetes Service as {@code toServices} needs it: its own labels (for {@code k8sServiceSelector}) and the pod
 * selector that picks its backends. A service without a selector has a null {@code podSelector} and selects no
 * pods.
 */
public record ServiceDefinition(String namespace, String name, LabelSet labels, LabelSelector podSelector) {}

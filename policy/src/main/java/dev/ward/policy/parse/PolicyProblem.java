package dev.ward.policy.parse;

/** An error or warning about one place in a policy document: the field path and the reason. */
public record PolicyProblem(String path, String message) {
    @Override
    public String toString() {
        return path.isEmpty() ? message : path + ": " + message;
    }
}

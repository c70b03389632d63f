# Sourced by Ward's scripts and launchers: finds the repository, selects a JDK >= 25 and builds on demand.
WARD_HOME=${WARD_HOME:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
export WARD_HOME

ward_select_jdk() {
  local cand v
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    v=$("$JAVA_HOME/bin/java" -XshowSettings:properties -version 2>&1 | awk -F= '/java.specification.version/{gsub(/ /,"",$2);print $2}')
    if [ "${v%%.*}" -ge 25 ] 2>/dev/null; then return 0; fi
  fi
  for cand in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*25* /usr/lib/jvm/*; do
    [ -x "$cand/bin/javac" ] || continue
    v=$("$cand/bin/java" -XshowSettings:properties -version 2>&1 | awk -F= '/java.specification.version/{gsub(/ /,"",$2);print $2}')
    if [ "${v%%.*}" -ge 25 ] 2>/dev/null; then export JAVA_HOME=$cand; return 0; fi
  done
  echo "ward: no JDK 25 or newer found under /usr/lib/jvm (set JAVA_HOME to one)" >&2
  return 1
}

# Classpath of the built launchers: the cli jar and its runtime dependencies.
ward_classpath() {
  echo "$WARD_HOME/cli/target/ward-cli.jar:$WARD_HOME/cli/target/lib/*"
}

# Builds when the launcher jar is missing or any source or pom is newer than it.
ward_ensure_built() {
  local jar="$WARD_HOME/cli/target/ward-cli.jar"
  if [ -f "$jar" ] && [ -z "$(find "$WARD_HOME" -path "$WARD_HOME/.git" -prune -o \
        \( -name '*.java' -o -name 'pom.xml' -o -path '*/src/main/resources/*' \) -newer "$jar" -print -quit)" ]; then
    return 0
  fi
  echo "ward: building (mvn package -DskipTests -pl cli,cni -am)..." >&2
  # Only what the launchers run, and the CNI plugin the lab wires its pods with: the container image (module image)
  # is built by mvn verify, not here.
  (cd "$WARD_HOME" && mvn -q -B -DskipTests -pl cli,cni -am package) >&2
}

ward_java() {
  exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED ${WARD_JAVA_OPTS:-} -cp "$(ward_classpath)" "$@"
}

package dev.ward.l7proxy.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A real nginx (Debian's nginx-light) in the lab's server namespace. Every location answers with what the server
 * saw: the client's address, the address it was reached on, and the method and path; its access log records each
 * request with its length and framing. A request with {@code X-Count-Body} is answered with the length of the body
 * nginx read (de-chunked), to show bodies arrive whole and framed as sent.
 */
public final class Nginx {
    private final Path dir;

    private Nginx(Path dir) {
        this.dir = dir;
    }

    public static Nginx start(TransparentLab lab, String ip, int port, int workers) throws IOException {
        Path dir = Files.createTempDirectory("ward-l7-nginx-");
        Files.createDirectories(dir.resolve("tmp"));
        String conf = """
                daemon off;
                master_process %5$s;
                worker_processes %4$d;
                pid %1$s/nginx.pid;
                error_log %1$s/error.log warn;
                events { worker_connections 4096; }
                http {
                  log_format ward '$remote_addr $request_method $request_uri $status $request_length te=$http_transfer_encoding';
                  access_log %1$s/access.log ward;
                  client_body_temp_path %1$s/tmp/body;
                  proxy_temp_path %1$s/tmp/proxy;
                  fastcgi_temp_path %1$s/tmp/fastcgi;
                  uwsgi_temp_path %1$s/tmp/uwsgi;
                  scgi_temp_path %1$s/tmp/scgi;
                  keepalive_requests 1000000;
                  client_max_body_size 0;
                  server {
                    listen %2$s:%3$d reuseport backlog=4096;
                    location / {
                      if ($http_x_count_body = "") {
                        return 200 "$remote_addr $server_addr:$server_port $request_method $uri\\n";
                      }
                      proxy_pass http://127.0.0.1:8099;
                    }
                  }
                  # nginx reads a proxied body whole (de-chunking it) and passes its length on: what it received.
                  server {
                    listen 127.0.0.1:8099;
                    location / {
                      return 200 "body of $http_content_length bytes\\n";
                    }
                  }
                }
                """.formatted(dir, ip, port, workers, workers > 1 ? "on" : "off");
        Files.writeString(dir.resolve("nginx.conf"), conf);
        lab.startInServer(List.of("nginx", "-p", dir.toString(), "-c", dir.resolve("nginx.conf").toString(),
                "-e", dir.resolve("error.log").toString()), dir.resolve("stdout.log"));
        Listening.await(lab, lab.serverNamespace(), ip, port, dir.resolve("error.log"));
        return new Nginx(dir);
    }

    /** The access log once a line matches {@code line} (10 s at most). */
    public List<String> awaitAccessLog(java.util.function.Predicate<String> line) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        List<String> log = accessLog();
        while (log.stream().noneMatch(line) && System.nanoTime() < deadline) {
            Thread.sleep(50);
            log = accessLog();
        }
        return log;
    }

    public List<String> accessLog() throws IOException {
        Path log = dir.resolve("access.log");
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }
}

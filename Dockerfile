# umsec reference server in a container.
#   docker build -t umsec .
#   docker run -p 5061:5061 -v umsec-state:/var/lib/umsec \
#     -v $PWD/umsec.yaml:/etc/umsec/umsec.yaml:ro umsec
# Without a mounted /etc/umsec/umsec.yaml the example configuration of the archive is used
# (etc/umsec.yaml: edit fqdn, addresses and gateways first). Media (RTP/SRTP) uses UDP ports the
# configuration chooses: publish them too, or run with --network host.

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN mvn -B -q package -DskipTests \
 && mkdir /dist \
 && tar -xzf um-server/target/umsec-*.tar.gz -C /dist --strip-components=1

FROM eclipse-temurin:17-jre
RUN groupadd --system umsec \
 && useradd --system --gid umsec --home-dir /var/lib/umsec --shell /usr/sbin/nologin umsec \
 && install -d -o umsec -g umsec -m 0700 /var/lib/umsec \
 && install -d -m 0755 /etc/umsec
COPY --from=build /dist /opt/umsec
COPY --from=build /dist/etc/umsec.yaml /etc/umsec/umsec.yaml
RUN ln -s /opt/umsec/bin/umsec /usr/local/bin/umsec
USER umsec
WORKDIR /var/lib/umsec
VOLUME ["/var/lib/umsec"]
EXPOSE 5060/tcp 5061/tcp 9090/tcp
# the admin listener answers on 127.0.0.1:9090 inside the container (server.admin)
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
  CMD bash -c 'exec 3<>/dev/tcp/127.0.0.1/9090 && printf "GET /health/ready HTTP/1.0\r\n\r\n" >&3 && head -n1 <&3 | grep -q " 200 "'
# exec form, and bin/umsec execs java: the JVM is PID 1 and receives SIGTERM (docker stop) and SIGHUP itself
ENTRYPOINT ["/opt/umsec/bin/umsec"]
CMD ["server", "--config", "/etc/umsec/umsec.yaml", "--log-format", "json"]

# The voiceid image: the static linux/amd64 binary that release/build.sh made,
# on an empty base. Build: release/build.sh && docker build -t voiceid .
# Run: the config mounted at /etc/voiceid/voiceid.toml, its ${NAME} secrets in
# the environment, the state on the volume /var/lib/voiceid:
#   docker run -d -v voiceid-state:/var/lib/voiceid \
#     -v /etc/voiceid/voiceid.toml:/etc/voiceid/voiceid.toml:ro --env-file voiceid.env voiceid

# scratch has no CA certificates: take Debian's bundle (Mozilla's roots) at build
# time. To trust a private CA too, mount a bundle over /etc/ssl/certs/ca-certificates.crt.
FROM debian:bookworm-slim AS base
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /image/state /image/root \
 && mkdir -m 0700 /image/state/voiceid \
 && mkdir -m 1777 /image/root/tmp

FROM scratch
COPY --from=base /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
# A new volume on /var/lib/voiceid takes this directory's owner, so the non-root user can write it.
# (COPY of a directory copies its contents, so the parent is copied: the modes stay.)
COPY --from=base --chown=65532:65532 /image/state/ /var/lib/
# A /tmp for SQLite's temporary files and voiceid demo.
COPY --from=base /image/root/ /
COPY dist/voiceid_linux_amd64 /voiceid
USER 65532:65532
VOLUME /var/lib/voiceid
WORKDIR /var/lib/voiceid
ENTRYPOINT ["/voiceid"]
CMD ["schedule", "--config", "/etc/voiceid/voiceid.toml", "--log-format", "json"]

# Build: a static binary (pure-Go SQLite, no cgo).
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X github.com/cdrdash/cdrdash/cli.Version=${VERSION}" -o /out/cdrdash . \
 && mkdir -p /out/data

# Run: distroless, non-root, no shell and no curl; the binary is its own probe.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/cdrdash /cdrdash
COPY --from=build --chown=65532:65532 /out/data /data
ENV CDRDASH_ADDR=0.0.0.0:8080 CDRDASH_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 8080
USER 65532:65532
HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD ["/cdrdash", "healthcheck", "-url", "http://127.0.0.1:8080/healthz"]
ENTRYPOINT ["/cdrdash"]
CMD ["serve"]

# A one-shot job for the compose file: gives the one Garage node its layout and makes the bucket
# and the key Wavehub uses. Garage's own image has no shell, so its binary is copied here.
FROM dxflrs/garage:v2.0.0 AS garage

FROM debian:bookworm-slim
COPY --from=garage /garage /usr/local/bin/garage
COPY deploy/garage-init.sh /usr/local/bin/garage-init
ENTRYPOINT ["garage-init"]

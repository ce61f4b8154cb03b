# One image for every Kanki part; the compose file picks the part with the command.
FROM node:20-bookworm-slim
WORKDIR /app
# better-sqlite3 builds from source when no prebuilt binary is reachable.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY common ./common
COPY broker ./broker
COPY ingest ./ingest
COPY dashboard ./dashboard
COPY firmware-sim ./firmware-sim
COPY config ./config
COPY start.ts ./
ENV NODE_ENV=production DATA_DIR=/data
VOLUME /data
USER node
CMD ["npx", "tsx", "start.ts"]

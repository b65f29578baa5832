# Purchases API image: the sources compiled to dist/ as `npm start` does (scripts/build.mjs), run
# by Node without a loader. Not built in CI here: no Docker engine runs there.
# docker build -t purchases . && docker compose up
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Runtime dependencies only (esbuild, which compiles the sources, and tsx for the CLI are among them).
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
# Two malloc arenas: picture processing (libvips threads) otherwise leaves memory in one per thread.
# A 512 MB heap cap, as `npm start` sets: V8 then keeps garbage near the live heap, not four times it.
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8000 DATA_DIR=/data MALLOC_ARENA_MAX=2 \
    NODE_OPTIONS=--max-old-space-size=512
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY src ./src
COPY scripts ./scripts
COPY drizzle ./drizzle
RUN node scripts/build.mjs
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 8000
# Migrations run at start (under an advisory lock, so several API processes may start together).
# Sentry is set up before the app loads (src/instrument.ts), so it can trace the database and Redis.
CMD ["node", "--enable-source-maps", "--import", "./dist/instrument.js", "dist/server.js"]

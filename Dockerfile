# syntax=docker/dockerfile:1
# Production Statistics Portal: the app image (see README.md, section Production).

# 1. Dependencies for production only. tsx (which runs the TypeScript sources) is a runtime
#    dependency, so `npm ci --omit=dev` is all the app needs; nothing is compiled ahead.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# 2. The runtime image: sources owned by root and read-only to the app's non-root user.
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY migrations ./migrations
COPY seeds ./seeds
COPY src ./src
COPY views ./views
COPY public ./public
# The embedded database (no DATABASE_URL) writes under DATA_DIR; give the app user a place for it.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 3000
# node runs as PID 1 (not under npm), so `docker stop`'s SIGTERM reaches the server's own handler:
# it stops accepting, finishes requests in flight, closes the pool and exits 0.
CMD ["node", "--import", "tsx", "src/server.ts"]

# xwing container image. Stages: deps (all dependencies) -> build (TypeScript -> dist/),
# prod-deps (production dependencies only) -> runtime (default target), plus `dev` for
# `skaffold dev` (sources run by Node's watcher; file sync replaces them in place).
#   docker build -t xwing:0.1.0 .
#   docker build --target dev -t xwing-dev:0.1.0 .
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM deps AS build
COPY tsconfig.json tsconfig.build.json ./
COPY app/src ./app/src
RUN npm run build

FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM ${NODE_IMAGE} AS dev
ENV NODE_ENV=development
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
# Owned by the runtime user so that skaffold's file sync can overwrite the sources.
COPY --chown=1000:1000 app/src ./app/src
USER 1000:1000
EXPOSE 8080 9464
# skaffold's file sync runs `tar x` in the container, which replaces each file (a new inode):
# node --watch, which watches the files themselves, would then see only a file's first change.
# GNU tar reads TAR_OPTIONS; --overwrite rewrites the existing file in place instead.
ENV TAR_OPTIONS=--overwrite
# Node 24 strips TypeScript types natively; --watch restarts on every synced change.
CMD ["node", "--watch", "app/src/server.ts"]

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
# V8 sizes its young generation from the memory it sees (3 x 64 MiB on a big node): under load
# the heap then grows far past the live set. 8 MiB semi-spaces bound it; make bench runs the
# service with these same settings and reports what they cost.
ENV NODE_OPTIONS=--max-semi-space-size=8
# Each scrypt hash (login, register) takes 16 MiB on a libuv thread. glibc would then raise its
# mmap threshold and keep freed blocks in per-thread arenas: ~70 MB more RSS for good after a few
# logins. A fixed threshold returns them to the kernel at once.
ENV GLIBC_TUNABLES=glibc.malloc.mmap_threshold=131072
WORKDIR /app
# Everything stays owned by root and read-only for the app user: the container runs with a
# read-only root file system and writes only to /tmp.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# A V8 code cache of every module but the entry, made at build time: start-up then skips
# compiling ~400 modules. It is made by the runtime user because Node keys the cache directory by
# uid, then owned by root like the rest of /app; at run time Node only reads it.
ENV NODE_COMPILE_CACHE=/app/.node-compile-cache
RUN install -d -o 1000 -g 1000 "$NODE_COMPILE_CACHE" \
 && setpriv --reuid=1000 --regid=1000 --clear-groups \
      node --input-type=module -e 'for (const m of process.argv.slice(1)) await import(m)' \
      $(find /app/dist -name '*.js' ! -name server.js) @godaddy/terminus \
 && chown -R root:root "$NODE_COMPILE_CACHE"
# Reported by the build-info metric; last, so that a new commit rebuilds one tiny layer.
ARG BUILD_COMMIT=unknown
ENV BUILD_COMMIT=${BUILD_COMMIT}
USER 1000:1000
EXPOSE 8080 9464
# node itself is PID 1 and gets SIGTERM directly (npm would not pass it on reliably).
CMD ["node", "dist/server.js"]

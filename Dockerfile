# xwing container image. Stages: deps (all dependencies) -> build (TypeScript -> dist/),
# prod-deps (production dependencies only) -> app (the runtime base with the app) ->
# compile-cache -> runtime (default target), plus `dev` for `skaffold dev` (sources run by
# Node's watcher; file sync replaces them in place).
#   docker build -t xwing:0.1.0 .
#   docker build --target dev -t xwing-dev:0.1.0 .
ARG NODE_IMAGE=node:24-bookworm-slim
# The runtime holds the libraries Node links and nothing else: no shell, no package manager, no
# npm; node itself comes from NODE_IMAGE, so build and runtime run the same binary. Offline,
# `make base-images` builds a stand-in under the same name (images/build-base-images.sh).
ARG RUNTIME_IMAGE=gcr.io/distroless/cc-debian12:nonroot

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
# What no running program reads: type declarations and TypeScript sources (Node runs no
# TypeScript under node_modules), source maps, docs and packages' own tests.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && find node_modules \( -name '*.ts' -o -name '*.d.cts' -o -name '*.d.mts' -o -name '*.map' -o -name '*.md' \) -type f -delete \
 && find node_modules -depth -type d \( -name test -o -name tests -o -name __tests__ -o -name benchmark -o -name benchmarks -o -name example -o -name examples \) -exec rm -rf {} +

# The build image's node without its symbol table and debug info (127 -> 109 MB), which only
# native debuggers read; its dynamic symbols, which native add-ons link against, stay.
FROM ${NODE_IMAGE} AS node-binary
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends binutils >/dev/null \
 && strip -o /node /usr/local/bin/node

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

FROM ${RUNTIME_IMAGE} AS app
ENV NODE_ENV=production
# Where the official image has it: on the PATH, for the chart's helm test too.
COPY --from=node-binary /node /usr/local/bin/node
# V8 sizes its young generation from the memory it sees (3 x 64 MiB on a big node): under load
# the heap then grows far past the live set. 16 MiB semi-spaces bound it; 8 MiB, tried first,
# promoted what requests in flight hold across their Redis round trip and cost a tenth to a fifth
# of the CPU per request in garbage collection (make image-rss: peak RSS 114-121 MB at 8 MiB,
# 126-137 MB at 16, under the chart's 256 Mi limit). make bench runs the service with these
# same settings and reports what they cost.
ENV NODE_OPTIONS=--max-semi-space-size=16
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

# A V8 code cache of every module but the entry, made at build time by the runtime's own node
# (the base has no shell: the module list is found by node itself): start-up then skips
# compiling ~400 modules. It is made as the runtime user because Node keys the cache directory
# by uid, in /tmp, the one place that user may write.
FROM app AS compile-cache
USER 1000:1000
ENV NODE_COMPILE_CACHE=/tmp/node-compile-cache
RUN ["node", "--input-type=module", "-e", "const { readdirSync } = await import('node:fs'); for (const file of readdirSync('/app/dist', { recursive: true })) if (file.endsWith('.js') && file !== 'server.js') await import(`/app/dist/${file}`); await import('@godaddy/terminus');"]

FROM app AS runtime
# Owned by root like the rest of /app: at run time Node only reads it.
ENV NODE_COMPILE_CACHE=/app/.node-compile-cache
COPY --from=compile-cache /tmp/node-compile-cache ./.node-compile-cache
# Reported by the build-info metric; last, so that a new commit rebuilds one tiny layer.
ARG BUILD_COMMIT=unknown
ENV BUILD_COMMIT=${BUILD_COMMIT}
USER 1000:1000
EXPOSE 8080 9464
# node itself is PID 1 and gets SIGTERM directly (npm would not pass it on reliably).
CMD ["node", "dist/server.js"]

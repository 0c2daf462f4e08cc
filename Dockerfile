# meshmq container images: `--target broker` (meshmq/broker) and `--target operator` (meshmq/operator).
#   docker build --target broker -t meshmq/broker:dev .
#   docker build --target operator -t meshmq/operator:dev .
# Both run as a non-root numeric user, write nothing to the root filesystem (read-only friendly) and
# have Node as PID 1, so SIGTERM reaches it (the broker drains, the operator releases its lease).
# NODE_IMAGE is the base; the image test builds with a local equivalent (see README, "Images").
ARG NODE_IMAGE=node:20-bookworm-slim

# --- compile TypeScript: the compiler and the type packages the sources need, at the lockfile's versions
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# Keep only the dev dependencies that compiling needs; `npm install` then takes their locked versions.
RUN node -e "const fs = require('fs'); const p = JSON.parse(fs.readFileSync('package.json', 'utf8')); \
      const keep = ['typescript', '@types/node', '@types/ws']; \
      p.devDependencies = Object.fromEntries(keep.map((k) => [k, p.devDependencies[k]])); delete p.scripts; \
      fs.writeFileSync('package.json', JSON.stringify(p, null, 2));" \
 && npm install --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY broker ./broker
COPY operator ./operator
RUN printf '{ "extends": "./tsconfig.build.json", "include": ["broker", "operator"] }\n' > tsconfig.image.json \
 && node node_modules/typescript/bin/tsc -p tsconfig.image.json

# --- production dependencies only, from the lockfile, no install scripts
FROM ${NODE_IMAGE} AS production-dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && rm -rf /root/.npm

# --- what both images share: Node, the dependencies, package.json ("type": "module"), the licence
FROM ${NODE_IMAGE} AS runtime
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.source="https://github.com/meshmq/meshmq" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.vendor="meshmq" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
ENV NODE_ENV=production
WORKDIR /app
COPY --from=production-dependencies /app/node_modules ./node_modules
COPY package.json LICENSE ./

# --- the broker: MQTT 1883 (TLS 8883, WebSocket 8083), HTTP 8081 (probes, metrics, admin API), mesh 4370
FROM runtime AS broker
LABEL org.opencontainers.image.title="meshmq broker" \
      org.opencontainers.image.description="A clustered MQTT 3.1/3.1.1/5.0 broker"
COPY --from=build /src/dist/broker ./dist/broker
# `meshmq ctl ...`, `meshmq passwd` on the PATH (kubectl exec POD -- meshmq ctl status).
RUN printf '#!/bin/sh\nexec node /app/dist/broker/main.js "$@"\n' > /usr/local/bin/meshmq && chmod 0755 /usr/local/bin/meshmq
EXPOSE 1883 8883 8083 8081 4370
USER 65532:65532
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "const b = process.env.MESHMQ_BIND; require('http').get({ host: b && b !== '0.0.0.0' && b !== '::' ? b : '127.0.0.1', port: process.env.MESHMQ_HTTP_PORT || 8081, path: '/healthz', timeout: 2000 }, (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))"]
ENTRYPOINT ["node", "dist/broker/main.js"]

# --- the operator: HTTP 8080 (/healthz, /readyz, /metrics); in-cluster config unless --kubeconfig
FROM runtime AS operator
LABEL org.opencontainers.image.title="meshmq operator" \
      org.opencontainers.image.description="The Kubernetes operator for meshmq BrokerClusters"
COPY --from=build /src/dist/operator ./dist/operator
COPY --from=build /src/dist/broker/contract ./dist/broker/contract
EXPOSE 8080
USER 65532:65532
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "require('http').get({ host: '127.0.0.1', port: 8080, path: '/healthz', timeout: 2000 }, (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))"]
ENTRYPOINT ["node", "dist/operator/main.js"]

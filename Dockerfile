# syntax=docker/dockerfile:1
# onnx-serve: build the TypeScript and the generated demo models, then ship only what runs.

FROM node:20-bookworm-slim AS build
WORKDIR /app
# NOTE: onnxruntime-node's install script downloads CUDA binaries; the CPU ones ship in the package.
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src src
COPY tools tools
COPY models models
RUN npm run build && npm run models \
 && npm prune --omit=dev --no-audit --no-fund \
 # NOTE: the package carries every platform's binaries (~290 MB); keep only this one's.
 && arch="$(node -p 'process.arch')" \
 && find node_modules/onnxruntime-node/bin -mindepth 3 -maxdepth 3 -type d ! -path "*/linux/${arch}" -exec rm -rf {} +

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    ONNX_SERVE_HOST=0.0.0.0 \
    ONNX_SERVE_PORT=8000 \
    ONNX_SERVE_MODELS=/models \
    ONNX_SERVE_LOG_FORMAT=json
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY --from=build /app/models /models
USER node
EXPOSE 8000
# NOTE: over HTTPS when TLS is on; liveness on loopback needs no certificate check (mutual TLS in 'handshake' mode needs a client cert: see README).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s \
  CMD ["node", "-e", "const s=process.env.ONNX_SERVE_TLS_CERT?'https':'http';require(s).get({host:'127.0.0.1',port:process.env.ONNX_SERVE_PORT||8000,path:'/v2/health/live',rejectUnauthorized:false},r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1))"]
# NOTE: exec form, so SIGTERM reaches node directly and the server drains before exiting.
ENTRYPOINT ["node", "dist/src/main.js"]

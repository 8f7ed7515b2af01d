#!/usr/bin/env bash
# Starts a real Kubernetes control plane for tests (the envtest approach): etcd +
# kube-apiserver built by k8s-tools.sh, no kubelet and no controllers. Generates a
# CA, a serving certificate, service-account keys and an admin token, and writes a
# kubeconfig to $SCENIC_STATE/kube/kubeconfig (exported as KUBECONFIG in the env file).
# Usage: scripts/kube.sh up|down|env
source "$(dirname "$0")/lib.sh"

BIN="$SCENIC_CACHE/bin"
DIR="$SCENIC_STATE/kube"
PKI="$DIR/pki"
KUBECONFIG_FILE="$DIR/kubeconfig"
SERVER="https://127.0.0.1:$SCENIC_KUBE_PORT"

gen_pki() {
  [ -s "$PKI/token" ] && return 0
  mkdir -p "$PKI"; chmod 700 "$PKI"
  apt_install openssl
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=scenic-test-ca" \
    -keyout "$PKI/ca.key" -out "$PKI/ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver" \
    -keyout "$PKI/apiserver.key" -out "$PKI/apiserver.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\n' > "$PKI/san.ext"
  openssl x509 -req -in "$PKI/apiserver.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
    -days 3650 -extfile "$PKI/san.ext" -out "$PKI/apiserver.crt" 2>/dev/null
  openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null
  openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
  # A random admin token per state dir: never a fixed secret in the repo.
  openssl rand -hex 24 > "$PKI/token"
  printf '%s,scenic-admin,scenic-admin,"system:masters"\n' "$(cat "$PKI/token")" > "$PKI/tokens.csv"
}

write_kubeconfig() {
  cat > "$KUBECONFIG_FILE" <<YAML
apiVersion: v1
kind: Config
clusters:
- name: scenic-test
  cluster:
    server: $SERVER
    certificate-authority-data: $(base64 -w0 < "$PKI/ca.crt")
users:
- name: scenic-admin
  user:
    token: $(cat "$PKI/token")
contexts:
- name: scenic-test
  context: {cluster: scenic-test, user: scenic-admin, namespace: default}
current-context: scenic-test
YAML
  chmod 600 "$KUBECONFIG_FILE"
}

healthy() {
  curl -fsS --cacert "$PKI/ca.crt" -H "Authorization: Bearer $(cat "$PKI/token")" "$SERVER/readyz" >/dev/null
}

up() {
  [ -x "$BIN/kube-apiserver" ] && [ -x "$BIN/etcd" ] || bash "$(dirname "$0")/k8s-tools.sh" build
  apt_install curl
  gen_pki; write_kubeconfig
  env_set KUBECONFIG "$KUBECONFIG_FILE"
  if healthy 2>/dev/null; then log "kube-apiserver already up at $SERVER"; return 0; fi
  mkdir -p "$DIR/etcd-data"
  if ! curl -fsS "http://127.0.0.1:$SCENIC_ETCD_PORT/health" >/dev/null 2>&1; then
    nohup "$BIN/etcd" --data-dir "$DIR/etcd-data" --name scenic-test \
      --listen-client-urls "http://127.0.0.1:$SCENIC_ETCD_PORT" \
      --advertise-client-urls "http://127.0.0.1:$SCENIC_ETCD_PORT" \
      --listen-peer-urls "http://127.0.0.1:$((SCENIC_ETCD_PORT + 1))" \
      --initial-advertise-peer-urls "http://127.0.0.1:$((SCENIC_ETCD_PORT + 1))" \
      --initial-cluster "scenic-test=http://127.0.0.1:$((SCENIC_ETCD_PORT + 1))" \
      --unsafe-no-fsync --log-level warn > "$DIR/etcd.log" 2>&1 &
    echo $! > "$DIR/etcd.pid"
    wait_for etcd 30 curl -fsS "http://127.0.0.1:$SCENIC_ETCD_PORT/health" || { tail -n 20 "$DIR/etcd.log" >&2; die "etcd failed"; }
  fi
  # ServiceAccount admission is off because no controller-manager creates the
  # default ServiceAccounts here; RBAC is on so chart RBAC can be tested for real.
  nohup "$BIN/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$SCENIC_ETCD_PORT" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$SCENIC_KUBE_PORT" \
    --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" \
    --client-ca-file "$PKI/ca.crt" --token-auth-file "$PKI/tokens.csv" \
    --service-account-issuer "$SERVER" --service-account-key-file "$PKI/sa.pub" \
    --service-account-signing-key-file "$PKI/sa.key" \
    --service-cluster-ip-range 10.0.0.0/24 --allow-privileged=true \
    --authorization-mode RBAC --disable-admission-plugins ServiceAccount \
    --cert-dir "$DIR/certs" > "$DIR/apiserver.log" 2>&1 &
  echo $! > "$DIR/apiserver.pid"
  wait_for kube-apiserver 90 healthy || { tail -n 30 "$DIR/apiserver.log" >&2; die "kube-apiserver failed"; }
  log "kube-apiserver up at $SERVER (KUBECONFIG=$KUBECONFIG_FILE)"
}

down() {
  for p in apiserver etcd; do
    if [ -s "$DIR/$p.pid" ]; then kill "$(cat "$DIR/$p.pid")" 2>/dev/null || true; rm -f "$DIR/$p.pid"; fi
  done
  log "kube-apiserver and etcd stopped"
}

case "${1:-up}" in
  up) up ;;
  down) down ;;
  env) grep KUBECONFIG "$ENV_FILE" ;;
  *) die "usage: $0 up|down|env" ;;
esac

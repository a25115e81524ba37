# Certificate and kubeconfig generation for the local cluster (sourced by up.sh).
# shellcheck shell=bash

# $1 name, $2 subject, $3 extendedKeyUsage, $4 subjectAltName (may be empty), $5 CA name
issue_cert() {
  local name="$1" subject="$2" usage="$3" sans="$4" ca="${5:-ca}"
  [[ -s "$PKI/$name.crt" ]] && return 0
  openssl ecparam -name prime256v1 -genkey -noout -out "$PKI/$name.key" 2>/dev/null
  openssl req -new -key "$PKI/$name.key" -subj "$subject" -out "$PKI/$name.csr" 2>/dev/null
  {
    printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n'
    printf 'extendedKeyUsage=%s\n' "$usage"
    if [[ -n "$sans" ]]; then printf 'subjectAltName=%s\n' "$sans"; fi
  } >"$PKI/$name.ext"
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/$ca.crt" -CAkey "$PKI/$ca.key" -CAcreateserial \
    -days 3650 -extfile "$PKI/$name.ext" -out "$PKI/$name.crt" 2>/dev/null
  rm -f "$PKI/$name.csr" "$PKI/$name.ext"
}

issue_ca() {
  local name="$1" cn="$2"
  [[ -s "$PKI/$name.crt" ]] && return 0
  openssl ecparam -name prime256v1 -genkey -noout -out "$PKI/$name.key" 2>/dev/null
  openssl req -x509 -new -key "$PKI/$name.key" -subj "/CN=$cn" -days 3650 -out "$PKI/$name.crt" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" 2>/dev/null
}

# $1 file, $2 user name in the file, $3 cert name under $PKI, $4 context name
write_kubeconfig() {
  local file="$1" user="$2" cert="$3" context="$4"
  write_file "$file" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- name: $CLUSTER_NAME
  cluster:
    server: https://$NODE_IP:6443
    certificate-authority-data: $(base64 -w0 "$PKI/ca.crt")
users:
- name: $user
  user:
    client-certificate-data: $(base64 -w0 "$PKI/$cert.crt")
    client-key-data: $(base64 -w0 "$PKI/$cert.key")
contexts:
- name: $context
  context:
    cluster: $CLUSTER_NAME
    user: $user
current-context: $context
KUBECONFIG
  chmod 600 "$file"
}

make_pki() {
  mkdir -p "$PKI"
  chmod 700 "$PKI"
  issue_ca ca "$CLUSTER_NAME-ca"
  issue_ca front-proxy-ca "$CLUSTER_NAME-front-proxy-ca"
  local api_sans="IP:$NODE_IP,IP:127.0.0.1,IP:$API_SERVICE_IP,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default"
  api_sans+=",DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.$CLUSTER_DOMAIN"
  issue_cert apiserver "/CN=kube-apiserver" serverAuth "$api_sans"
  issue_cert apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" clientAuth ""
  issue_cert front-proxy-client "/CN=front-proxy-client" clientAuth "" front-proxy-ca
  issue_cert admin "/O=system:masters/CN=xwing-admin" clientAuth ""
  issue_cert controller-manager "/CN=system:kube-controller-manager" clientAuth ""
  issue_cert scheduler "/CN=system:kube-scheduler" clientAuth ""
  issue_cert kube-proxy "/CN=system:kube-proxy" clientAuth ""
  issue_cert kubelet-client "/O=system:nodes/CN=system:node:$NODE_NAME" clientAuth ""
  issue_cert kubelet-serving "/CN=$NODE_NAME" serverAuth "IP:$NODE_IP,DNS:$NODE_NAME"
  if [[ ! -s "$PKI/sa.key" ]]; then
    openssl ecparam -name prime256v1 -genkey -noout -out "$PKI/sa.key" 2>/dev/null
    openssl ec -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
  fi
  write_kubeconfig "$KUBECONFIG_ADMIN" xwing-admin admin "$CLUSTER_NAME"
  write_kubeconfig "$XWING_STATE/controller-manager.kubeconfig" system:kube-controller-manager controller-manager default
  write_kubeconfig "$XWING_STATE/scheduler.kubeconfig" system:kube-scheduler scheduler default
  write_kubeconfig "$XWING_STATE/kube-proxy.kubeconfig" system:kube-proxy kube-proxy default
  write_kubeconfig "$XWING_STATE/kubelet.kubeconfig" "system:node:$NODE_NAME" kubelet-client default
}

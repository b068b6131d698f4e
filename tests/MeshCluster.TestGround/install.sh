#!/usr/bin/env bash
# Installs what the integration tests need on a Debian machine: etcd (Debian's etcd-server)
# and kube-apiserver + kube-controller-manager 1.20.2 built from Debian's own source package.
# The binaries are cached outside the clone, so later runs skip the ~10 minute build.
#   MESHCLUSTER_KUBE_CACHE  cache folder (default ~/.cache/meshcluster)
#   KUBEBUILDER_ASSETS      a folder that already holds kube-apiserver, kube-controller-manager
#                           (and optionally etcd): nothing is built then.
set -euo pipefail

cache="${MESHCLUSTER_KUBE_CACHE:-$HOME/.cache/meshcluster}"
# The folder's name carries the vendored-library fix below, so a machine holding binaries built
# without it (which crash on the first custom resource) builds them again.
bin="$cache/kubernetes-1.20.2-reflect2-1.0.2/bin"
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"

need_apt=()
command -v etcd >/dev/null 2>&1 || [ -x /usr/bin/etcd ] || need_apt+=(etcd-server)
command -v jq >/dev/null 2>&1 || need_apt+=(jq)

have_kube() {
  local d="$1"
  [ -n "$d" ] && [ -x "$d/kube-apiserver" ] && [ -x "$d/kube-controller-manager" ]
}

build=1
if have_kube "${KUBEBUILDER_ASSETS:-}"; then
  echo "test ground: using Kubernetes binaries in KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS"; build=0
elif have_kube "$bin"; then
  echo "test ground: using cached Kubernetes binaries in $bin"; build=0
else
  command -v go >/dev/null 2>&1 || need_apt+=(golang-go)
  command -v rsync >/dev/null 2>&1 || need_apt+=(rsync)
  need_apt+=(dpkg-dev golang-github-modern-go-reflect2-dev golang-github-json-iterator-go-dev)
fi

if [ "$build" -eq 1 ]; then
  # apt-get source needs a deb-src entry for bookworm main.
  if ! grep -rqs '^Types:.*deb-src\|^deb-src ' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    echo "test ground: adding a deb-src entry for bookworm main"
    printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      | $sudo tee /etc/apt/sources.list.d/meshcluster-src.sources >/dev/null
  fi
fi

if [ "${#need_apt[@]}" -gt 0 ] || [ "$build" -eq 1 ]; then
  $sudo apt-get update -qq
fi
if [ "${#need_apt[@]}" -gt 0 ]; then
  echo "test ground: apt-get install ${need_apt[*]}"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi
# Debian's etcd-server starts a system etcd on 2379; the tests run their own on free ports.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet etcd 2>/dev/null; then
  $sudo systemctl stop etcd || true
fi

if [ "$build" -eq 1 ]; then
  work="$cache/build"
  rm -rf "$work"; mkdir -p "$work" "$bin"
  start=$(date +%s)
  echo "test ground: fetching Debian's kubernetes source package"
  (cd "$work" && apt-get source -qq --download-only kubernetes >/dev/null && dpkg-source -x --no-check kubernetes_*.dsc src >/dev/null)
  # Build as debian/rules does: a GOPATH whose src/k8s.io/kubernetes is the tree.
  mkdir -p "$work/gopath/src/k8s.io"
  ln -s "$work/src" "$work/gopath/src/k8s.io/kubernetes"
  export GOPATH="$work/gopath" GO111MODULE=off CGO_ENABLED=0 GOFLAGS=-mod=vendor
  export GOCACHE="$cache/gocache"
  cd "$work/gopath/src/k8s.io/kubernetes"
  # The source vendors reflect2 1.0.1 and json-iterator 1.1.10, which read Go's map iterator through
  # unsafe pointers laid out as before Go 1.18: built with Debian's Go 1.19 the apiserver dies with
  # SIGSEGV the first time it encodes a custom resource. Debian's fixed releases (reflect2 1.0.2,
  # json-iterator 1.1.12) replace both vendored folders.
  replace_vendored() {
    local pkg="$1" importpath="$2" src
    src=$(dpkg -L "$pkg" | grep "/src/$importpath\$" | head -1)
    [ -n "$src" ] && [ -d "$src" ] || { echo "test ground: $pkg has no sources for $importpath"; exit 1; }
    rm -rf "vendor/$importpath"; mkdir -p "vendor/$importpath"
    cp -r "$src/." "vendor/$importpath/"
    find "vendor/$importpath" -name '*_test.go' -delete
  }
  replace_vendored golang-github-modern-go-reflect2-dev github.com/modern-go/reflect2
  replace_vendored golang-github-json-iterator-go-dev github.com/json-iterator/go
  for what in kube-apiserver kube-controller-manager; do
    echo "test ground: building $what (several minutes the first time)"
    make WHAT=cmd/$what >"$work/make-$what.log" 2>&1 || { tail -50 "$work/make-$what.log"; exit 1; }
    cp "$(find _output -type f -name $what | head -1)" "$bin/$what"
  done
  echo "test ground: built in $(( $(date +%s) - start )) s into $bin"
  cd /; rm -rf "$work"
fi
"${KUBEBUILDER_ASSETS:-$bin}/kube-apiserver" --version

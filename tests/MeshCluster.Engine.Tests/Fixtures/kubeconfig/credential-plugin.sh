#!/bin/sh
# A credential plugin, as kubelogin or `aws eks get-token` are: prints an ExecCredential.
printf '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"exec-plugin-token-0123456789abcdef"}}\n'

"""A real Kubernetes client (the official `kubernetes` Python package) using `tokendeck
kubectl-credential` as its kubeconfig `exec` user, against a local HTTPS API endpoint that
accepts only the expected bearer token.

The endpoint is this script's own small HTTPS server: it stands in for a cluster's API server
checking an OIDC token (a real cluster does not fit in the test budget), so it does what the
API server's authenticator does for this test: compare the bearer token. Everything on the
client side is the real library: kubeconfig parsing, running the exec plugin, reading the
ExecCredential, sending the token over TLS.

Usage: kube_client.py TOKENDECK_BIN ACCOUNT EXPECTED_TOKEN WORKDIR
Prints the namespace names the client listed; exits non-zero on any failure.
"""

import base64
import datetime
import http.server
import json
import os
import ssl
import sys
import threading

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
import ipaddress
import kubernetes


def self_signed(workdir):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    cert_path = os.path.join(workdir, "api.crt")
    key_path = os.path.join(workdir, "api.key")
    with open(cert_path, "wb") as f:
        f.write(cert_pem)
    with open(key_path, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return cert_pem, cert_path, key_path


def serve(expected, cert_path, key_path):
    seen = []

    class Api(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            auth = self.headers.get("Authorization", "")
            seen.append(auth == f"Bearer {expected}")
            if auth != f"Bearer {expected}":
                body = {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "Unauthorized", "code": 401}
                return self.reply(401, body)
            if self.path.startswith("/api/v1/namespaces"):
                items = [{"metadata": {"name": n}} for n in ("default", "tokendeck-ok")]
                return self.reply(200, {"kind": "NamespaceList", "apiVersion": "v1", "metadata": {}, "items": items})
            return self.reply(404, {"kind": "Status", "apiVersion": "v1", "code": 404})

        def reply(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Api)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, seen


def main():
    tokendeck, account, expected, workdir = sys.argv[1:5]
    cert_pem, cert_path, key_path = self_signed(workdir)
    server, seen = serve(expected, cert_path, key_path)
    kubeconfig = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "local", "cluster": {
            "server": f"https://127.0.0.1:{server.server_address[1]}",
            "certificate-authority-data": base64.b64encode(cert_pem).decode(),
        }}],
        "users": [{"name": "tokendeck", "user": {"exec": {
            "apiVersion": "client.authentication.k8s.io/v1",
            "command": tokendeck,
            "args": ["kubectl-credential", account],
            "interactiveMode": "Never",
        }}}],
        "contexts": [{"name": "local", "context": {"cluster": "local", "user": "tokendeck"}}],
        "current-context": "local",
    }
    path = os.path.join(workdir, "kubeconfig")
    with open(path, "w") as f:
        json.dump(kubeconfig, f)
    kubernetes.config.load_kube_config(config_file=path)
    names = [ns.metadata.name for ns in kubernetes.client.CoreV1Api().list_namespace().items]
    assert seen and all(seen), f"requests with the expected token: {seen}"
    print(" ".join(names))


if __name__ == "__main__":
    main()

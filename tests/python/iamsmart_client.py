#!/usr/bin/env python3
"""An online service that talks to the iAM Smart Sandbox, written from the API reference only.

It plays an e-service end to end, in plain mode (clear JSON, like the pilot sandbox) and in
encrypted mode (AES-256-GCM content under a CEK that arrives RSA-wrapped under our own key):
it registers itself through the sandbox's admin API, runs its own small HTTP server to
receive callbacks, logs in through getQR in headless mode, then asks for a profile, e-ME
data, a re-authentication, a hash signature (verified against the returned certificate) and
a PDF signature, and acknowledges the signature. It also checks that the platform refuses a
bad signature, a reused nonce, an older timestamp, a reused or expired authorisation code,
and a revoked content key, each with its documented D-code.

Only `requests` and `cryptography` are needed. Usage:

    python3 iamsmart_client.py --base http://127.0.0.1:8080 --admin-token TOKEN
    python3 iamsmart_client.py --base http://127.0.0.1:8080 --demo

With `--demo` it needs no admin token: it is the sandbox's well-known demo clients (the
published ids, secrets and private key of the README's quick start), reads its callbacks from
the sandbox's inbox, and asks for headless approval with `X-Sandbox-*` headers instead of the
client settings (so the expired-code check, which needs a setting, is left out).

It prints one line per check and ends with "N passed, M failed"; the exit code is 0 only
when every check passed.
"""

import argparse
import base64
import hashlib
import hmac
import json
import os
import queue
import secrets
import struct
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import pkcs7

SUCCESS = "D00000"
SCOPES = "eidapi_auth eidapi_profiles eidapi_formFilling eidapi_sign eidapi_fr"


class Failed(Exception):
    """A check did not hold."""


def expect(condition, what):
    if not condition:
        raise Failed(what)


# --- Callbacks --------------------------------------------------------------------------


class CallbackInbox:
    """A tiny HTTP server on loopback that keeps every POST body it receives."""

    def __init__(self):
        self.bodies = queue.Queue()
        inbox = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                inbox.bodies.put(self.rfile.read(length).decode("utf-8"))
                reply = b'{"received":true}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d/callback" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def next(self, timeout=20):
        try:
            return json.loads(self.bodies.get(timeout=timeout))
        except queue.Empty:
            raise Failed("no callback arrived within %d s" % timeout)

    def close(self):
        self.server.shutdown()


class SandboxInbox:
    """The sandbox's own callback inbox of a client, read through `/sandbox/inbox/{id}/entries`."""

    def __init__(self, base, client_id):
        self.url = "%s/sandbox/inbox/%s" % (base, client_id)
        self.seen = len(self.posts())

    def posts(self):
        res = requests.get(self.url + "/entries?limit=1000", timeout=30)
        expect(res.status_code == 200, "inbox answered %d" % res.status_code)
        return [e["body"] for e in reversed(res.json()) if e["method"] == "POST"]

    def next(self, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            posts = self.posts()
            if len(posts) > self.seen:
                self.seen += 1
                return json.loads(posts[self.seen - 1])
            time.sleep(0.05)
        raise Failed("no callback arrived within %d s" % timeout)

    def close(self):
        pass


# The sandbox's well-known demo clients (README, quick start).
DEMO_CLIENTS = {
    "plain": ("3b7f0c9e5a1d4f2c8e6b0a4d2c9f1e07", "sandbox-plain-secret"),
    "encrypted": ("edae2e2529ff46228af1e4d18c8405d1", "sandbox-demo-secret"),
}


# --- Content encryption (reference section 5) -------------------------------------------


def seal(cek, obj):
    """AES-256-GCM: Base64 of int32 BE IV length (12), IV, ciphertext with its 16-byte tag."""
    iv = os.urandom(12)
    plain = json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    blob = struct.pack(">i", len(iv)) + iv + AESGCM(cek).encrypt(iv, plain, None)
    return base64.b64encode(blob).decode("ascii")


def unseal(cek, text):
    blob = base64.b64decode(text)
    (iv_len,) = struct.unpack(">i", blob[:4])
    expect(iv_len == 12, "IV length field is %d, not 12" % iv_len)
    iv = blob[4:16]
    return json.loads(AESGCM(cek).decrypt(iv, blob[16:], None).decode("utf-8"))


def unwrap_key(private_key, secret_key):
    """RSA PKCS#1 v1.5; the plaintext is the raw 32-byte key or its Base64 text."""
    plain = private_key.decrypt(base64.b64decode(secret_key), padding.PKCS1v15())
    if len(plain) == 32:
        return plain
    key = base64.b64decode(plain)
    expect(len(key) == 32, "the unwrapped key is %d bytes" % len(key))
    return key


# --- The e-service ----------------------------------------------------------------------


class EService:
    def __init__(self, base, admin_token, mode, inbox=None):
        self.base = base.rstrip("/")
        self.admin = {"Authorization": "Bearer " + (admin_token or "")}
        self.mode = mode
        self.demo = admin_token is None
        self.headers = {}
        self.run = secrets.token_hex(4)
        self.cek = None
        self.last_timestamp = 0
        if self.demo:
            self.client_id, self.secret = DEMO_CLIENTS[mode]
            self.inbox = SandboxInbox(self.base, self.client_id)
            res = requests.get("%s/sandbox/clients/%s/kek-private.pem" % (self.base, DEMO_CLIENTS["encrypted"][0]), timeout=30)
            expect(res.status_code == 200, "the published demo key answered %d" % res.status_code)
            self.private_key = serialization.load_pem_private_key(res.content, password=None)
            return
        self.inbox = inbox
        self.secret = secrets.token_hex(20)
        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public_pem = self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")
        registration = {
            "name": "Python e-Service (%s)" % mode,
            "secret": self.secret,
            "redirectURIs": [inbox.url],
            "scopes": SCOPES,
            "contentMode": mode,
            "kek": public_pem,
        }
        res = requests.post(self.base + "/sandbox/admin/clients", json=registration, headers=self.admin, timeout=30)
        expect(res.status_code == 201, "registration answered %d: %s" % (res.status_code, res.text))
        self.client_id = res.json()["clientID"]

    def settings(self, **fields):
        if self.demo:
            # No admin token: the same defaults as headers on every request.
            names = {"autoAnswer": "X-Sandbox-Auto", "persona": "X-Sandbox-Persona"}
            for name, value in fields.items():
                expect(name in names, "the demo clients cannot change %s without the admin token" % name)
                self.headers[names[name]] = value
            return
        url = "%s/sandbox/admin/clients/%s/settings" % (self.base, self.client_id)
        res = requests.post(url, json=fields, headers=self.admin, timeout=30)
        expect(res.status_code == 200, "settings answered %d: %s" % (res.status_code, res.text))

    # Signing (reference section 4).

    def signed_headers(self, body, secret=None, timestamp=None, nonce=None):
        if timestamp is None:
            timestamp = max(int(time.time() * 1000), self.last_timestamp)
            self.last_timestamp = timestamp
        nonce = nonce or secrets.token_hex(16)
        message = self.client_id + "HmacSHA256" + str(timestamp) + nonce + body
        mac = hmac.new((secret or self.secret).encode("utf-8"), message.encode("utf-8"), hashlib.sha256).digest()
        return {
            "clientID": self.client_id,
            "signatureMethod": "HmacSHA256",
            "timestamp": str(timestamp),
            "nonce": nonce,
            "signature": urllib.parse.quote(base64.b64encode(mac).decode("ascii"), safe=""),
            "Content-Type": "application/json",
        }

    def body_of(self, business, cek=None):
        if business is None:
            return ""
        if self.mode == "encrypted":
            return json.dumps({"content": seal(cek or self.cek, business)})
        return json.dumps(business, ensure_ascii=False)

    def send(self, path, body, headers):
        headers = dict(self.headers, **headers)
        res = requests.post(self.base + path, data=body.encode("utf-8"), headers=headers, timeout=30)
        expect(res.status_code == 200, "%s answered HTTP %d: %s" % (path, res.status_code, res.text))
        envelope = res.json()
        content = envelope.get("content")
        if isinstance(content, str) and content:
            envelope["content"] = unseal(self.cek, content)
        return envelope

    def post(self, path, business=None):
        body = self.body_of(business)
        return self.send(path, body, self.signed_headers(body))

    def get_key(self):
        envelope = self.post("/api/v1/security/getKey")
        expect(envelope["code"] == SUCCESS, "getKey: %s" % envelope)
        grant = envelope["content"]
        self.cek = unwrap_key(self.private_key, grant["secretKey"])
        expect(grant["expiresIn"] > 0, "getKey: no lifetime")

    # Login (reference sections 3.1, 3.2, 3.5).

    def get_qr_url(self, state):
        query = urllib.parse.urlencode(
            {
                "clientID": self.client_id,
                "responseType": "code",
                "source": "PC_Browser",
                "redirectURI": self.inbox.url,
                "scope": SCOPES,
                "lang": "en-US",
                "state": state,
            },
            quote_via=urllib.parse.quote,
        )
        return self.base + "/api/v1/auth/getQR?" + query

    def auth_code(self, persona):
        """getQR in the sandbox's headless mode: the page answers at once with the redirect."""
        state = secrets.token_hex(8)
        headers = {"X-Sandbox-Auto": "approve", "X-Sandbox-Persona": persona}
        res = requests.get(self.get_qr_url(state), headers=headers, allow_redirects=False, timeout=30)
        expect(res.status_code in (302, 303), "getQR answered %d, not a redirect" % res.status_code)
        location = res.headers["Location"]
        expect(location.startswith(self.inbox.url + "?"), "redirected to %s" % location)
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
        expect(query.get("state") == [state], "state was not echoed: %s" % location)
        return query["code"][0]

    def get_token(self, code):
        return self.post("/api/v1/auth/getToken", {"code": code, "grantType": "authorization_code"})

    def login(self, persona):
        envelope = self.get_token(self.auth_code(persona))
        expect(envelope["code"] == SUCCESS, "getToken: %s" % envelope)
        token = envelope["content"]
        expect(token["tokenType"] == "Bearer", "tokenType %s" % token.get("tokenType"))
        return token

    # Callbacks (reference section 2.4).

    def callback(self):
        envelope = self.inbox.next()
        content = envelope.get("content")
        if isinstance(content, str) and content:
            expect(envelope.get("secretKey"), "a sealed callback without secretKey")
            self.cek = unwrap_key(self.private_key, envelope["secretKey"])
            envelope["content"] = unseal(self.cek, content)
        return envelope

    def logged_in(self, token, business_id, **fields):
        body = {
            "businessID": business_id + "-" + self.run,
            "accessToken": token["accessToken"],
            "openID": token["openID"],
            "source": "PC_Browser",
            "redirectURI": self.inbox.url,
            "state": "st-" + business_id,
        }
        body.update(fields)
        return body

    def request_and_callback(self, path, body):
        envelope = self.post(path, body)
        expect(envelope["code"] == SUCCESS, "%s: %s" % (path, envelope))
        result = self.callback()
        expect(result["code"] == SUCCESS, "callback of %s: %s" % (path, result))
        content = result["content"]
        expect(content["businessID"] == body["businessID"], "callback for another request: %s" % content)
        return content


def hkic_hash(identification):
    return base64.b64encode(hashlib.sha256(identification.encode("ascii")).digest()).decode("ascii")


# --- The journeys -----------------------------------------------------------------------


def journeys(es, report):
    if es.mode == "encrypted":
        report("getKey", es.get_key)
    es.settings(autoAnswer="approve", persona="chan-tai-man")
    token = es.login("chan-tai-man")
    report("login", lambda: expect(token["userType"] == "sign" and token["openID"], "token %s" % token))

    def profile():
        body = es.logged_in(token, "py-profile", profileFields=["idNo", "enName", "birthDate"])
        content = es.request_and_callback("/api/v1/account/auth/profile/initiateRequest", body)
        expect(content["idNo"]["Identification"] == "K512783", "idNo %s" % content.get("idNo"))
        expect("UnstructuredName" in content["enName"], "enName %s" % content.get("enName"))

    def eme():
        body = es.logged_in(token, "py-eme", eMEFields=["mobileNumber", "residentialAddress"], formName="Move house")
        content = es.request_and_callback("/api/v1/account/eme/initiateRequest", body)
        expect("SubscriberNumber" in content["mobileNumber"], "mobileNumber %s" % content)

    def reauth():
        body = es.logged_in(token, "py-reauth")
        content = es.request_and_callback("/api/v1/account/stepup/initiateRequest", body)
        expect(content.get("state") == "st-py-reauth", "state %s" % content)

    def hash_signing():
        document = b"Application form, signed by the Python e-service"
        digest = hashlib.sha256(document).digest()
        body = es.logged_in(
            token,
            "py-sign",
            hashCode=base64.b64encode(digest).decode("ascii"),
            HKICHash=hkic_hash("K512783"),
            serviceName="Python test service",
            documentName="Application form",
        )
        content = es.request_and_callback("/api/v1/account/signing/initiateRequest", body)
        cert = x509.load_der_x509_certificate(base64.b64decode(content["cert"]))
        signature = base64.b64decode(content["signature"])
        # SHA256withRSA over the bytes the e-service put in hashCode.
        cert.public_key().verify(signature, digest, padding.PKCS1v15(), hashes.SHA256())
        ack = es.post("/api/v1/account/signing/ackResult", {"businessID": "py-sign-" + es.run, "signingResult": "SR001"})
        expect(ack["code"] == SUCCESS, "ackResult %s" % ack)

    def pdf_signing():
        digest = base64.b64encode(hashlib.sha256(b"%PDF byte range").digest()).decode("ascii")
        body = es.logged_in(token, "py-pdf", docDigest=digest, serviceName="S", documentName="Lease.pdf")
        content = es.request_and_callback("/api/v1/account/pdfsigning/initiateRequest", body)
        certs = pkcs7.load_der_pkcs7_certificates(base64.b64decode(content["pdfSignature"]))
        expect(len(certs) >= 1, "the PKCS#7 signature carries no certificate")

    report("profile", profile)
    report("e-ME", eme)
    report("re-authentication", reauth)
    report("hash signing", hash_signing)
    report("PDF signing", pdf_signing)


def refusals(es, report):
    def bad_signature():
        body = es.body_of(None)
        envelope = es.send("/api/v1/security/getKey", body, es.signed_headers(body, secret="not-the-secret"))
        expect(envelope["code"] == "D20006", "got %s" % envelope["code"])

    def reused_nonce():
        # A plain-mode client may have no KEK (the demo one has none): revokeKey works for any.
        path = "/api/v1/security/revokeKey" if es.mode == "plain" else "/api/v1/security/getKey"
        headers = es.signed_headers("")
        first = es.send(path, "", headers)
        again = es.send(path, "", headers)
        expect(first["code"] == SUCCESS and again["code"] == "D20004", "got %s, %s" % (first["code"], again["code"]))

    def older_timestamp():
        es.post("/api/v1/security/getKey")
        headers = es.signed_headers("", timestamp=es.last_timestamp - 5000)
        envelope = es.send("/api/v1/security/getKey", "", headers)
        expect(envelope["code"] == "D20004", "got %s" % envelope["code"])

    def reused_auth_code():
        code = es.auth_code("wong-siu-ling")
        first, again = es.get_token(code), es.get_token(code)
        expect(first["code"] == SUCCESS and again["code"] == "D40004", "got %s, %s" % (first["code"], again["code"]))

    def expired_auth_code():
        es.settings(authCodeTtlMs=1)
        code = es.auth_code("wong-siu-ling")
        time.sleep(0.05)
        envelope = es.get_token(code)
        es.settings(authCodeTtlMs=60000)
        expect(envelope["code"] == "D40004", "got %s" % envelope["code"])

    def revoked_key():
        old = es.cek
        envelope = es.post("/api/v1/security/revokeKey")
        expect(envelope["code"] == SUCCESS, "revokeKey %s" % envelope)
        body = es.body_of({"code": "0" * 32, "grantType": "authorization_code"}, cek=old)
        envelope = es.send("/api/v1/auth/getToken", body, es.signed_headers(body))
        expect(envelope["code"] == "D30002", "got %s" % envelope["code"])
        es.get_key()

    report("bad signature is D20006", bad_signature)
    report("reused nonce is D20004", reused_nonce)
    report("older timestamp is D20004", older_timestamp)
    report("reused authCode is D40004", reused_auth_code)
    if not es.demo:
        report("expired authCode is D40004", expired_auth_code)
    if es.mode == "encrypted":
        report("revoked key is D30002", revoked_key)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the sandbox's URL")
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--admin-token", help="the sandbox's admin token: register clients of our own")
    who.add_argument("--demo", action="store_true", help="be the well-known demo clients (no admin token)")
    args = parser.parse_args()
    passed, failed = 0, 0

    for mode in ("plain", "encrypted"):
        inbox = None if args.demo else CallbackInbox()

        def report(name, check):
            nonlocal passed, failed
            try:
                check()
                passed += 1
                print("PASS %s: %s" % (mode, name), flush=True)
            except Exception as err:  # Any error is a failed check, reported with its reason.
                failed += 1
                print("FAIL %s: %s: %s: %s" % (mode, name, type(err).__name__, err), flush=True)

        try:
            es = EService(args.base, args.admin_token, mode, inbox)
            journeys(es, report)
            refusals(es, report)
        except Exception as err:
            failed += 1
            print("FAIL %s: set-up: %s: %s" % (mode, type(err).__name__, err), flush=True)
        finally:
            if inbox:
                inbox.close()

    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

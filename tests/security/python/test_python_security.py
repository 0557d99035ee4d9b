"""The Python client with a bearer token, TLS and mutual TLS against a real
bin/execd (started and killed by pid by ExecdServer)."""

import os
import subprocess
import tempfile
import unittest

import grpc

import execd
from execd_server import ExecdServer

TOKEN = "python-test-token-0001"
HERE = os.path.dirname(os.path.abspath(__file__))


def _read(path):
    with open(path, "rb") as f:
        return f.read()


class SecurityTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory(prefix="execd-pysec-")
        subprocess.run(["/bin/bash", os.path.join(HERE, "..", "make_certs.sh"),
                        cls.dir.name], check=True, timeout=60)
        cls.tokens = os.path.join(cls.dir.name, "tokens")
        with open(cls.tokens, "w") as f:
            f.write(f"{TOKEN} python\n")

    @classmethod
    def tearDownClass(cls):
        cls.dir.cleanup()

    def path(self, name):
        return os.path.join(self.dir.name, name)

    def test_token_over_plaintext(self):
        with ExecdServer("--processes=0", "--threads=2",
                         f"--auth_token_file={self.tokens}") as server:
            with execd.RemoteExecutor(server.target, token=TOKEN) as ex:
                self.assertEqual(ex.submit("echo", 1).result(timeout=20),
                                 {"args": [1], "kwargs": {}})
                self.assertEqual(list(ex.map("echo", [2])),
                                 [{"args": [2], "kwargs": {}}])
            for token in (None, "wrong-token-123456"):
                with execd.RemoteExecutor(server.target, token=token) as ex:
                    with self.assertRaises(execd.RpcError) as caught:
                        ex.submit("echo", 1).result(timeout=20)
                    self.assertEqual(caught.exception.code,
                                     grpc.StatusCode.UNAUTHENTICATED)

    def test_mutual_tls_with_token(self):
        with ExecdServer("--processes=0", "--threads=2",
                         f"--auth_token_file={self.tokens}",
                         f"--tls_cert_file={self.path('server.pem')}",
                         f"--tls_key_file={self.path('server.key')}",
                         f"--tls_client_ca_file={self.path('ca.pem')}"
                         ) as server:
            with execd.RemoteExecutor(
                    server.target, token=TOKEN,
                    root_certificates=_read(self.path("ca.pem")),
                    private_key=_read(self.path("client.key")),
                    certificate_chain=_read(self.path("client.pem"))) as ex:
                self.assertEqual(ex.submit("echo", "tls").result(timeout=20),
                                 {"args": ["tls"], "kwargs": {}})

    def test_tls_server_name_and_pem_strings(self):
        with ExecdServer("--processes=0", "--threads=2",
                         f"--tls_cert_file={self.path('server.pem')}",
                         f"--tls_key_file={self.path('server.key')}"
                         ) as server:
            ca = _read(self.path("ca.pem")).decode()
            with execd.RemoteExecutor(server.target, root_certificates=ca,
                                      server_name="localhost") as ex:
                self.assertEqual(ex.submit("echo").result(timeout=20),
                                 {"args": [], "kwargs": {}})

    def test_key_without_certificate_is_refused(self):
        with self.assertRaises(ValueError):
            execd.RemoteExecutor("127.0.0.1:1", private_key=b"x")


if __name__ == "__main__":
    unittest.main()

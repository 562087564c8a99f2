#!/usr/bin/env python3
"""Produces SRP test vectors for Tokendeck's Cognito USER_SRP_AUTH code from an independent
implementation, PyPI `pycognito` (pycognito.aws_srp.AWSSRP), with the private value `a` and
the timestamp fixed. Output: vectors.json (committed; the Rust tests read it).

    python3 -m venv /tmp/v && /tmp/v/bin/pip install pycognito==2024.5.1
    /tmp/v/bin/python tests/srp/gen_vectors.py > tests/srp/vectors.json
"""
import base64
import datetime
import json
import random
from unittest import mock

from pycognito import aws_srp

rng = random.Random(20261122)  # deterministic inputs
POOL_ID = "eu-west-1_AbCdEf123"
CLIENT_ID = "3n4b5urk1ft4fl3mg5e62d9ado"


def case(name, username, password, when, secret=None, a_high_nibble=None, salt_high=None, leading_zeros=False):
    big_n = aws_srp.hex_to_long(aws_srp.N_HEX)
    while True:
        small_a = rng.getrandbits(1024) % big_n
        a_hex = aws_srp.long_to_hex(pow(2, small_a, big_n))
        if a_high_nibble is None or (a_hex[0] in "89abcdef") == a_high_nibble:
            break
    while True:
        salt = "%032x" % rng.getrandbits(128)
        if salt_high is None or (salt[0] in "89abcdef") == salt_high:
            break
    srp_b = aws_srp.long_to_hex(rng.getrandbits(3000) % big_n)
    # Cognito may send SALT and SRP_B with leading zeros. Amazon's own clients
    # (amazon-cognito-identity-js, the AWS SDKs) parse both into integers before hashing, so the
    # zeros do not count. pycognito hashes SALT as the string it is given: it is handed the
    # integer's own hex, and the challenge Tokendeck sees carries the zeros.
    sent_salt, sent_b = salt, srp_b
    if leading_zeros:
        salt = aws_srp.long_to_hex(aws_srp.hex_to_long(salt) >> 12)  # shorter, like a small value
        sent_salt, sent_b = "00" + salt.zfill(len(salt) + len(salt) % 2), "00" + srp_b
    secret_block = base64.standard_b64encode(rng.randbytes(48)).decode()
    user_id_for_srp = username

    with mock.patch.object(aws_srp.AWSSRP, "generate_random_small_a", return_value=small_a):
        srp = aws_srp.AWSSRP(username=username, password=password, pool_id=POOL_ID,
                             client_id=CLIENT_ID, client=object(), client_secret=secret)
    with mock.patch("pycognito.aws_srp.datetime") as dt:
        dt.datetime.utcnow.return_value = when
        response = srp.process_challenge(
            {"USERNAME": username, "USER_ID_FOR_SRP": user_id_for_srp, "SALT": salt,
             "SRP_B": srp_b, "SECRET_BLOCK": secret_block},
            {"USERNAME": username},
        )
    hkdf = srp.get_password_authentication_key(user_id_for_srp, password, aws_srp.hex_to_long(srp_b), salt)
    return {
        "name": name,
        "pool_id": POOL_ID,
        "client_id": CLIENT_ID,
        "client_secret": secret,
        "username": username,
        "password": password,
        "small_a_hex": aws_srp.long_to_hex(small_a),
        "srp_a_hex": aws_srp.long_to_hex(srp.large_a_value),
        "salt_hex": sent_salt,
        "srp_b_hex": sent_b,
        "secret_block": secret_block,
        "unix_time": int(when.replace(tzinfo=datetime.timezone.utc).timestamp()),
        "timestamp": response["TIMESTAMP"],
        "hkdf_hex": hkdf.hex(),
        "signature": response["PASSWORD_CLAIM_SIGNATURE"],
        "secret_hash": response.get("SECRET_HASH"),
    }


cases = [
    case("single-digit day, A with high nibble", "alice", "Correct-Horse-1", datetime.datetime(2026, 3, 5, 7, 4, 9), a_high_nibble=True, salt_high=True),
    case("two-digit day, A with low nibble", "bob@example.com", "pässwörd ünïcode", datetime.datetime(2026, 11, 22, 23, 59, 59), a_high_nibble=False, salt_high=False),
    case("client with secret", "carol", "s3cret!", datetime.datetime(2027, 1, 1, 0, 0, 0), secret="1l2k3j4h5g6f7d8s9a0qwertyuiopasdfghjklzxcvbnm12"),
    case("salt and B sent with leading zeros", "dave", "zero-padded", datetime.datetime(2027, 2, 9, 8, 7, 6), leading_zeros=True),
]
print(json.dumps({"generator": "pycognito 2024.5.1 (aws_srp.AWSSRP)", "cases": cases}, indent=2, ensure_ascii=False))

"""Runs esia-connector 0.16 (PyPI, unchanged) inside ``.venv-esia`` for the ESIA-face tests.

``python esia_connector_driver.py auth-url '<json config>'`` prints ``{"url": …}``: the library's
authorization URL (v1 ``/aas/oauth2/ac``, ``client_secret`` a detached RSA CMS made by ``openssl
smime``). ``… complete '<json config with code and state>'`` exchanges the code with token
validation on (PyJWT 1.x: RS256, ``aud``, ``iss == http://esia.gosuslugi.ru/``), then reads the
person, contacts, documents and addresses as the library does, and prints them as JSON. Errors are
printed as ``{"error": <class name>, "message": …}`` with exit status 1.

This file imports only what ``.venv-esia`` holds: it must not import the project.
"""

import json
import sys

from esia_connector.client import EsiaAuth, EsiaSettings


def main() -> int:
    command, config = sys.argv[1], json.loads(sys.argv[2])
    auth = EsiaAuth(
        EsiaSettings(
            esia_client_id=config["client_id"],
            redirect_uri=config["redirect_uri"],
            certificate_file=config["certificate"],
            private_key_file=config["key"],
            esia_service_url=config["base"],
            esia_scope=config["scope"],
            esia_token_check_key=config.get("token_check_key"),
        )
    )
    try:
        if command == "auth-url":
            result = {"url": auth.get_auth_url(state=config.get("state"))}
        elif command == "complete":
            info = auth.complete_authorization(config["code"], config["state"], validate_token=True)
            result = {
                "oid": info.oid,
                "person": info.get_person_main_info(),
                "contacts": info.get_person_contacts(),
                "documents": info.get_person_documents(),
                "addresses": info.get_person_addresses(),
            }
        else:
            raise SystemExit(f"unknown command {command}")
    except Exception as exc:  # reported to the test, which asserts on it
        print(json.dumps({"error": type(exc).__name__, "message": str(exc)}))
        return 1
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

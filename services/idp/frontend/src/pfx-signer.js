// In-browser signing of the signature-login challenge (issue 11, item 3, the JavaScript path).
//
// The person picks a .pfx (PKCS#12, RFC 7292) and types its PIN; this script opens the file with
// WebCrypto through PKI.js, signs the challenge's exact UTF-8 bytes as a detached CMS SignedData
// (RFC 5652: SHA-256, signed attributes content-type, signing-time and message-digest, the signer's
// certificate included; RSA PKCS#1 v1.5 or ECDSA P-256), puts the base64 DER into the form's
// `signature` textarea and submits the form. The file, the PIN and the key stay in the page: the
// inputs have no `name`, so they are never sent, and the key is imported non-extractable.
//
// Progressive enhancement: the block the partial renders (`[data-pfx-signer]`) is `hidden` until
// this script finds what it needs (the form, the challenge, WebCrypto in a secure context).

import * as asn1js from "asn1js";
import * as pkijs from "pkijs";

const OID = {
  data: "1.2.840.113549.1.7.1",
  signedData: "1.2.840.113549.1.7.2",
  contentType: "1.2.840.113549.1.9.3",
  messageDigest: "1.2.840.113549.1.9.4",
  signingTime: "1.2.840.113549.1.9.5",
  localKeyId: "1.2.840.113549.1.9.21",
  pbes2: "1.2.840.113549.1.5.13",
  shroudedKeyBag: "1.2.840.113549.1.12.10.1.2",
  certBag: "1.2.840.113549.1.12.10.1.3",
  x509Certificate: "1.2.840.113549.1.9.22.1",
  sha1: "1.3.14.3.2.26",
  sha256: "2.16.840.1.101.3.4.2.1",
  sha384: "2.16.840.1.101.3.4.2.2",
  sha512: "2.16.840.1.101.3.4.2.3",
  rsaEncryption: "1.2.840.113549.1.1.1",
  ecPublicKey: "1.2.840.10045.2.1",
  p256: "1.2.840.10045.3.1.7",
};

/** A refusal the page explains to the person; `code` picks the message (data-msg-<code>). */
export class PfxError extends Error {
  constructor(code, cause) {
    super(code);
    this.code = code;
    this.cause = cause;
  }
}

const hex = (bytes) => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");

/** Throws `unsupported_encryption` unless the algorithm is PBES2 (the only one WebCrypto can do:
 * the legacy PKCS#12 ciphers, 3DES and RC2, do not exist in browsers). */
function requirePbes2(algorithm) {
  if (algorithm.algorithmId !== OID.pbes2) throw new PfxError("unsupported_encryption");
}

function parsePfx(bytes) {
  try {
    return pkijs.PFX.fromBER(bytes);
  } catch (error) {
    throw new PfxError("not_pfx", error);
  }
}

/** Opens a PKCS#12 file with the PIN: the MAC check (RFC 7292 §5) tells a wrong PIN; then the
 * encrypted contents and the shrouded key are decrypted with the same PIN. */
async function openPfx(bytes, pin) {
  const password = new TextEncoder().encode(pin).buffer;
  const pfx = parsePfx(bytes);
  const mac = pfx.macData && pfx.macData.mac.digestAlgorithm.algorithmId;
  if (mac && ![OID.sha1, OID.sha256, OID.sha384, OID.sha512].includes(mac)) {
    throw new PfxError("unsupported_encryption"); // a Streebog MAC (GOST tools): WebCrypto has no Streebog
  }
  try {
    await pfx.parseInternalValues({ password, checkIntegrity: Boolean(pfx.macData) });
  } catch (error) {
    if (String(error && error.message).includes("Integrity")) throw new PfxError("wrong_pin", error);
    throw new PfxError("not_pfx", error);
  }
  // With a MAC the PIN is proven right, so what still fails to decrypt uses a cipher WebCrypto lacks
  // (PBES2 with GOST 28147-89 or Kuznyechik); without one, a failed decryption means a wrong PIN.
  const undecryptable = pfx.macData ? "unsupported_encryption" : "wrong_pin";
  const safe = pfx.parsedValue.authenticatedSafe;
  for (const info of safe.safeContents) {
    if (info.contentType === "1.2.840.113549.1.7.6") {
      // on a copy: PKI.js rewrites the implicitly tagged content of the structure it parses
      const copy = pkijs.EncryptedData.fromBER(info.content.toBER(false));
      requirePbes2(copy.encryptedContentInfo.contentEncryptionAlgorithm);
    } else if (info.contentType !== OID.data) {
      throw new PfxError("unsupported_encryption");
    }
  }
  try {
    await safe.parseInternalValues({ safeContents: safe.safeContents.map(() => ({ password })) });
  } catch (error) {
    throw new PfxError(undecryptable, error);
  }
  const keys = [];
  const certificates = [];
  for (const contents of safe.parsedValue.safeContents) {
    for (const bag of contents.value.safeBags) {
      const keyId = (bag.bagAttributes || []).find((a) => a.type === OID.localKeyId);
      const id = keyId ? hex(keyId.values[0].valueBlock.valueHexView) : null;
      if (bag.bagId === OID.shroudedKeyBag) {
        requirePbes2(bag.bagValue.encryptionAlgorithm);
        try {
          await bag.bagValue.parseInternalValues({ password });
        } catch (error) {
          throw new PfxError(undecryptable, error);
        }
        keys.push({ id, info: bag.bagValue.parsedValue });
      } else if (bag.bagId === OID.certBag && bag.bagValue.certId === OID.x509Certificate) {
        certificates.push({ id, certificate: bag.bagValue.parsedValue });
      }
    }
  }
  if (keys.length !== 1) throw new PfxError("no_key");
  return { key: keys[0], certificates };
}

function isCa(certificate) {
  const extension = (certificate.extensions || []).find((e) => e.extnID === "2.5.29.19");
  return Boolean(extension && extension.parsedValue && extension.parsedValue.cA);
}

/** The key's certificate: the one with the same localKeyId (RFC 7292 §4.2), else the only
 * end-entity (non-CA) certificate. */
function signerCertificate(key, certificates) {
  const byId = key.id && certificates.find((c) => c.id === key.id);
  if (byId) return byId.certificate;
  const endEntity = certificates.filter((c) => !isCa(c.certificate));
  if (endEntity.length === 1) return endEntity[0].certificate;
  throw new PfxError("no_certificate");
}

async function importKey(info) {
  const algorithm = info.privateKeyAlgorithm;
  let params;
  if (algorithm.algorithmId === OID.rsaEncryption) {
    params = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
  } else if (algorithm.algorithmId === OID.ecPublicKey && algorithm.algorithmParams
      && algorithm.algorithmParams.valueBlock.toString() === OID.p256) {
    params = { name: "ECDSA", namedCurve: "P-256" };
  } else {
    // GOST keys, other curves, RSA-PSS-only keys: WebCrypto has no way to use them
    throw new PfxError("unsupported_key");
  }
  const der = info.toSchema().toBER(false);
  try {
    return await crypto.subtle.importKey("pkcs8", der, params, false, ["sign"]);
  } catch (error) {
    throw new PfxError("unsupported_key", error);
  }
}

/** Reads a .pfx with its PIN: a non-extractable signing key and its certificate. */
export async function readPfx(bytes, pin) {
  const { key, certificates } = await openPfx(bytes, pin);
  const certificate = signerCertificate(key, certificates);
  return { privateKey: await importKey(key.info), certificate };
}

/** The DER of `attribute`: a SET OF in DER is sorted by its elements' encodings (X.690 §11.6). */
const encoded = (attribute) => new Uint8Array(attribute.toSchema().toBER(false));

function compareBytes(a, b) {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/** A detached CMS SignedData (DER) over `content` (bytes), SHA-256, with signed attributes. */
export async function signDetached(content, { privateKey, certificate }, now = new Date()) {
  const digest = await crypto.subtle.digest("SHA-256", content);
  const attributes = [
    new pkijs.Attribute({ type: OID.contentType, values: [new asn1js.ObjectIdentifier({ value: OID.data })] }),
    // RFC 5652 §11.3: UTCTime for dates from 1950 to 2049
    new pkijs.Attribute({ type: OID.signingTime, values: [new asn1js.UTCTime({ valueDate: now })] }),
    new pkijs.Attribute({ type: OID.messageDigest, values: [new asn1js.OctetString({ valueHex: digest })] }),
  ].sort((a, b) => compareBytes(encoded(a), encoded(b)));
  const signedData = new pkijs.SignedData({
    version: 1,
    encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: OID.data }),
    signerInfos: [
      new pkijs.SignerInfo({
        version: 1,
        sid: new pkijs.IssuerAndSerialNumber({ issuer: certificate.issuer, serialNumber: certificate.serialNumber }),
        signedAttrs: new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes }),
      }),
    ],
    certificates: [certificate],
  });
  await signedData.sign(privateKey, 0, "SHA-256");
  const contentInfo = new pkijs.ContentInfo({ contentType: OID.signedData, content: signedData.toSchema(true) });
  return new Uint8Array(contentInfo.toSchema().toBER(false));
}

function base64(bytes) {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function attach(root) {
  const form = document.getElementById("signature-form");
  const challenge = document.getElementById("challenge-text");
  const textarea = form && form.elements.namedItem("signature");
  if (!form || !challenge || !textarea || !(globalThis.crypto && crypto.subtle)) return;
  const file = root.querySelector("[data-pfx-file]");
  const pin = root.querySelector("[data-pfx-pin]");
  const button = root.querySelector("[data-pfx-sign]");
  const status = root.querySelector("[data-pfx-status]");
  const message = (code) => root.dataset[`msg${code.replace(/(^|_)(\w)/g, (_, __, c) => c.toUpperCase())}`]
    || root.dataset.msgFailed;
  const show = (text, isError) => {
    status.textContent = text;
    status.classList.toggle("field__error", Boolean(isError));
  };

  async function sign() {
    pin.removeAttribute("aria-invalid");
    file.removeAttribute("aria-invalid");
    if (!file.files || file.files.length === 0) {
      file.setAttribute("aria-invalid", "true");
      file.focus();
      return show(message("no_file"), true);
    }
    if (!pin.value) {
      pin.setAttribute("aria-invalid", "true");
      pin.focus();
      return show(message("no_pin"), true);
    }
    button.disabled = true;
    show(message("signing"), false);
    try {
      const signer = await readPfx(await file.files[0].arrayBuffer(), pin.value);
      const der = await signDetached(new TextEncoder().encode(challenge.textContent), signer);
      textarea.value = base64(der);
      pin.value = "";
      show(message("signed"), false);
      form.submit();
    } catch (error) {
      const code = error instanceof PfxError ? error.code : "failed";
      show(message(code), true);
      const field = code === "wrong_pin" ? pin : file;
      field.setAttribute("aria-invalid", "true");
      field.focus();
    } finally {
      button.disabled = false;
    }
  }

  button.addEventListener("click", sign);
  pin.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault(); // never submit the surrounding form without a signature
      sign();
    }
  });
  root.hidden = false;
}

const root = typeof document !== "undefined" && document.querySelector("[data-pfx-signer]");
if (root) attach(root);

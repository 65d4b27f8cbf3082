import crypto from 'node:crypto';
import { subtle, x509 } from './x509-library';
import type { CertificateNames } from './names';

/**
 * ECDSA P-256 for the CA and the gateway: small keys, fast handshakes, and accepted by every
 * client Gatehouse serves (OpenSSL, Python's ssl, Node, browsers).
 */
const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** The gateway certificate's lifetime; `start` renews it when fewer than RENEW_BEFORE_DAYS remain. */
export const GATEWAY_CERT_DAYS = 30;
/** The CA's lifetime: clients trust it once; Gatehouse renews the gateway certificate, not the CA. */
export const CA_CERT_DAYS = 3650;
/** Clock skew allowance between this machine and its clients. */
const BACKDATE_MS = 5 * 60_000;

export interface PemPair {
  certPem: string;
  keyPem: string;
}

function toPem(der: ArrayBuffer, label: string): string {
  const b64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

function fromPem(pem: string): ArrayBuffer {
  const der = Buffer.from(pem.replace(/-----(BEGIN|END) [A-Z ]+-----/g, '').replace(/\s+/g, ''), 'base64');
  return der.buffer.slice(der.byteOffset, der.byteOffset + der.byteLength) as ArrayBuffer;
}

function serialNumber(): string {
  // Positive (high bit clear), 128 random bits: unique without a counter to keep.
  const b = crypto.randomBytes(16);
  b[0] = (b[0] as number) & 0x7f;
  return b.toString('hex');
}

function caSubject(hostname: string): string {
  // A comma or an equals sign would end the attribute in the DN string.
  return `CN=Gatehouse local CA (${hostname.replace(/[,=+"\\<>;]/g, '')}), O=Gatehouse`;
}

async function importSigningKey(keyPem: string): Promise<CryptoKey> {
  return subtle.importKey('pkcs8', fromPem(keyPem), ALG, false, ['sign']);
}

async function publicKeyOf(certPem: string): Promise<CryptoKey> {
  const cert = new (x509().X509Certificate)(certPem);
  return cert.publicKey.export(ALG, ['verify']);
}

async function selfSignedCa(keys: CryptoKeyPair, hostname: string, now: Date): Promise<string> {
  const lib = x509();
  const cert = await lib.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: caSubject(hostname),
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + CA_CERT_DAYS * 86_400_000),
    keys,
    signingAlgorithm: ALG,
    extensions: [
      new lib.BasicConstraintsExtension(true, 0, true),
      new lib.KeyUsagesExtension(lib.KeyUsageFlags.keyCertSign | lib.KeyUsageFlags.cRLSign, true),
      await lib.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return cert.toString('pem') + '\n';
}

/** A new CA: its key pair (PKCS#8 PEM, for the keychain) and its self-signed certificate. */
export async function createCa(hostname: string, now = new Date()): Promise<PemPair> {
  const keys = (await subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const certPem = await selfSignedCa(keys, hostname, now);
  const keyPem = toPem(await subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY');
  return { certPem, keyPem };
}

/**
 * A new CA certificate for an existing CA key (same subject, same key), for when the certificate
 * was lost but the keychain still holds the key: clients that trust the old certificate verify
 * the new one's signatures alike.
 */
export async function recertifyCa(keyPem: string, hostname: string, now = new Date()): Promise<string> {
  const privateKey = await subtle.importKey('pkcs8', fromPem(keyPem), ALG, true, ['sign']);
  // WebCrypto cannot derive the public key from a private one; Node's KeyObject can.
  const spki = crypto.createPublicKey(crypto.createPrivateKey(keyPem)).export({ type: 'spki', format: 'der' });
  const publicKey = await subtle.importKey('spki', spki, ALG, true, ['verify']);
  return selfSignedCa({ privateKey, publicKey }, hostname, now);
}

/**
 * A gateway (server) certificate signed by the CA: a fresh key pair per certificate, every name
 * as SubjectAltName (clients match on it, not on the CN), serverAuth only, GATEWAY_CERT_DAYS long.
 */
export async function issueGatewayCertificate(ca: PemPair, names: CertificateNames, now = new Date(), days = GATEWAY_CERT_DAYS): Promise<PemPair> {
  const lib = x509();
  const keys = (await subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const caCert = new lib.X509Certificate(ca.certPem);
  const first = names.dns[0] ?? names.ips[0] ?? 'localhost';
  const cert = await lib.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: `CN=${first.replace(/[,=+"\\<>;]/g, '')}, O=Gatehouse gateway`,
    issuer: caCert.subject,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + days * 86_400_000),
    publicKey: keys.publicKey,
    signingKey: await importSigningKey(ca.keyPem),
    signingAlgorithm: ALG,
    extensions: [
      new lib.BasicConstraintsExtension(false, undefined, true),
      new lib.KeyUsagesExtension(lib.KeyUsageFlags.digitalSignature, true),
      new lib.ExtendedKeyUsageExtension([lib.ExtendedKeyUsage.serverAuth]),
      new lib.SubjectAlternativeNameExtension([
        ...names.dns.map((value) => ({ type: 'dns' as const, value })),
        ...names.ips.map((value) => ({ type: 'ip' as const, value })),
      ]),
      await lib.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await lib.AuthorityKeyIdentifierExtension.create(await publicKeyOf(ca.certPem)),
    ],
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: toPem(await subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY') };
}

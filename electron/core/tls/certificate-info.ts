import crypto from 'node:crypto';
import { canonicalIp, normalizeNames, type CertificateNames } from './names';

/** What Gatehouse reads from a certificate (Node's own X.509 parser; nothing secret). */
export interface CertificateInfo {
  subject: string;
  issuer: string;
  names: CertificateNames;
  notBefore: Date;
  notAfter: Date;
  /** SHA-256 of the DER, "AA:BB:…" as browsers and `openssl x509 -fingerprint -sha256` show it. */
  sha256: string;
  isCa: boolean;
}

/** The PEM blocks of a file, in order (a chain file holds several). */
export function pemBlocks(pem: string, label = 'CERTIFICATE'): string[] {
  const re = new RegExp(`-----BEGIN ${label}-----[\\s\\S]*?-----END ${label}-----`, 'g');
  return (pem.match(re) ?? []).map((b) => b + '\n');
}

/** Parses the first certificate of a PEM text; throws Node's own error when it is not one. */
export function parseCertificate(pem: string): crypto.X509Certificate {
  const first = pemBlocks(pem)[0];
  if (!first) throw new Error('no "BEGIN CERTIFICATE" block found');
  return new crypto.X509Certificate(first);
}

/** "DNS:a, IP Address:1.2.3.4" → names. Node quotes entries holding a comma; none of ours do. */
function sanNames(san: string | undefined): CertificateNames {
  const names: CertificateNames = { dns: [], ips: [] };
  for (const raw of (san ?? '').split(/,\s*/)) {
    const entry = raw.replace(/^"|"$/g, '');
    if (entry.startsWith('DNS:')) names.dns.push(entry.slice(4));
    else if (entry.startsWith('IP Address:')) {
      try {
        names.ips.push(canonicalIp(entry.slice(11)));
      } catch {
        // An address Node cannot read back is no name a client can use.
      }
    }
  }
  return normalizeNames(names);
}

export function describeCertificate(cert: crypto.X509Certificate): CertificateInfo {
  return {
    subject: cert.subject.replace(/\n/g, ', '),
    issuer: cert.issuer.replace(/\n/g, ', '),
    names: sanNames(cert.subjectAltName),
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    sha256: cert.fingerprint256,
    isCa: cert.ca,
  };
}

export function certificateInfo(pem: string): CertificateInfo {
  return describeCertificate(parseCertificate(pem));
}

/** Whole days left before `notAfter` (negative once expired). */
export function daysLeft(info: Pick<CertificateInfo, 'notAfter'>, now: Date): number {
  return Math.floor((info.notAfter.getTime() - now.getTime()) / 86_400_000);
}

/** Whether `keyPem` is the private key of the certificate (compares the public halves). */
export function keyMatchesCertificate(certPem: string, keyPem: string): boolean {
  const cert = parseCertificate(certPem);
  const key = crypto.createPrivateKey(keyPem);
  return cert.checkPrivateKey(key);
}

/** Whether `certPem` carries a valid signature of `caPem`'s key and names it as issuer. */
export function signedBy(certPem: string, caPem: string): boolean {
  const cert = parseCertificate(certPem);
  const ca = parseCertificate(caPem);
  return cert.checkIssued(ca) && cert.verify(ca.publicKey);
}

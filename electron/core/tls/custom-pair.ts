import crypto from 'node:crypto';
import tls from 'node:tls';
import { GatehouseError } from '../errors';
import { certificateInfo, daysLeft, keyMatchesCertificate, pemBlocks, type CertificateInfo } from './certificate-info';
import { missingNames, type CertificateNames } from './names';

/** A certificate and key the user brought (`gatehouse tls enable --cert PATH --key PATH`), checked. */
export interface CheckedPair {
  info: CertificateInfo;
  /** Names a client might use that the certificate does not hold (a warning, not a refusal). */
  uncovered: string[];
}

function invalid(message: string, fix: string): GatehouseError {
  return new GatehouseError('TLS_INVALID', message, fix);
}

/**
 * Checks a certificate/key pair: both parse, the key is the certificate's, the certificate is
 * valid now, and it holds `required` (the name Gatehouse's own probes connect to). `wanted` are
 * the other names clients may use; missing ones are reported, not refused (a certificate for a
 * DNS name need not hold every address of the machine). Never quotes the key.
 */
export function checkCustomPair(certPem: string, keyPem: string, where: { certFile: string; keyFile: string }, required: string, wanted: CertificateNames, now: Date): CheckedPair {
  let info: CertificateInfo;
  try {
    info = certificateInfo(certPem);
  } catch (err) {
    throw invalid(`${where.certFile} holds no readable PEM certificate (${(err as Error).message}).`, 'Give the certificate file in PEM form (it starts with "-----BEGIN CERTIFICATE-----"); put the server certificate first, then its chain.');
  }
  try {
    crypto.createPrivateKey(keyPem);
  } catch {
    // Node's message may quote part of the input: it is not repeated here.
    throw invalid(`${where.keyFile} holds no readable, unencrypted PEM private key.`, 'Give the private key in PEM form without a passphrase (e.g. `openssl pkey -in KEY -out KEY.pem`), readable by you only.');
  }
  if (!keyMatchesCertificate(certPem, keyPem)) {
    throw invalid(`The key in ${where.keyFile} does not belong to the certificate in ${where.certFile}.`, 'Give the private key that was used to request this certificate.');
  }
  if (info.notBefore.getTime() > now.getTime()) {
    throw invalid(`The certificate in ${where.certFile} is not valid before ${info.notBefore.toISOString()}.`, 'Check the machine\'s clock, or use a certificate that is valid now.');
  }
  if (daysLeft(info, now) < 0 || info.notAfter.getTime() <= now.getTime()) {
    throw invalid(`The certificate in ${where.certFile} expired on ${info.notAfter.toISOString()}.`, 'Renew the certificate, or use `gatehouse tls enable` for one from Gatehouse\'s own CA.');
  }
  const needed = missingNames(info.names, { dns: [], ips: [required] }).length ? [required] : [];
  if (needed.length) {
    throw invalid(
      `The certificate in ${where.certFile} does not hold ${required}, the address Gatehouse checks the gateway at (it holds: ${[...info.names.dns, ...info.names.ips].join(', ') || 'no SubjectAltName'}).`,
      `Use a certificate whose SubjectAltName includes IP:${required}, or \`gatehouse tls enable\` for one from Gatehouse's own CA.`,
    );
  }
  return { info, uncovered: missingNames(info.names, wanted) };
}

/**
 * What a client that checks the custom certificate should trust: the file's own chain when it
 * ends in a self-signed certificate, else that chain and the public roots Node ships (a
 * certificate from a public CA). Never "accept anything".
 */
export function customTrust(certPem: string): string[] {
  const blocks = pemBlocks(certPem);
  const selfSigned = blocks.some((b) => {
    const c = new crypto.X509Certificate(b);
    return c.checkIssued(c) && c.verify(c.publicKey);
  });
  return selfSigned ? blocks : [...blocks, ...tls.rootCertificates];
}

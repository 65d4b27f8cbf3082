import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Settings, SettingsPatch, TlsCertificateSummary, TlsStatus } from '../../../shared/api';
import { writeFileAtomic } from '../atomic-file';
import { GatehouseError } from '../errors';
import { ACCOUNTS, type SecretStore } from '../secrets/secret-store';
import { certificateInfo, daysLeft, keyMatchesCertificate, signedBy, type CertificateInfo } from './certificate-info';
import { checkCustomPair, customTrust } from './custom-pair';
import { createCa, issueGatewayCertificate, recertifyCa, type PemPair } from './local-ca';
import { describeNames, gatewayNames, hostIdentity, localAddress, type CertificateNames, type HostIdentity } from './names';
import { RENEW_BEFORE_DAYS, renewalReason } from './renewal';
import { tlsEnv } from './container-files';

/** What the gateway container needs to serve HTTPS, and what its clients trust. Holds a private key: memory only. */
export interface GatewayTlsMaterial {
  mode: 'local' | 'custom';
  certPem: string;
  keyPem: string;
  /** PEM certificates a client trusts to reach this gateway (the local CA, or the custom chain). */
  trust: string[];
  info: CertificateInfo;
  /** Why a new certificate was issued for this start; null when the one on hand was kept. */
  renewed: string | null;
}

export interface GatewayTlsOptions {
  home: string;
  secrets: SecretStore;
  settings: { get(): Promise<Settings>; update(patch: SettingsPatch): Promise<Settings> };
  /** This machine's name and addresses; default from os (tests pass their own). */
  host?: () => HostIdentity;
  now?: () => Date;
}

/**
 * The address the certificate's names follow: bindAddress, except in swarm mode, where Swarm
 * publishes the gateway on every interface whatever bindAddress says (as if bound to 0.0.0.0).
 */
export function certificateBind(settings: Pick<Settings, 'bindAddress' | 'target'>): string {
  return settings.target === 'swarm' ? '0.0.0.0' : settings.bindAddress;
}

function summary(info: CertificateInfo, now: Date): TlsCertificateSummary {
  return {
    subject: info.subject,
    issuer: info.issuer,
    names: [...info.names.dns, ...info.names.ips],
    notBefore: info.notBefore.toISOString(),
    notAfter: info.notAfter.toISOString(),
    daysLeft: daysLeft(info, now),
    sha256: info.sha256,
  };
}

async function readText(file: string): Promise<string | null> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/**
 * HTTPS for the gateway. Local mode: Gatehouse's own CA, whose private key lives only in the
 * keychain (account tls-ca-key) and whose certificate (public) is <home>/tls/ca.pem; the
 * gateway certificate (public, <home>/tls/gateway.pem) is issued for every name the gateway is
 * published on, with a fresh key per certificate kept in the keychain (tls-gateway-key), and is
 * renewed by `prepare` (at start) when it is close to expiry or the names changed. Custom mode:
 * the user's certificate and key files, checked at enable and at every start.
 */
export class GatewayTls {
  readonly caFile: string;
  readonly certFile: string;
  private readonly host: () => HostIdentity;
  private readonly now: () => Date;
  /** The material prepared in this process, by certificate fingerprint: the create step delivers it (memory only). */
  private readonly prepared = new Map<string, GatewayTlsMaterial>();

  constructor(private readonly opts: GatewayTlsOptions) {
    this.caFile = path.join(opts.home, 'tls', 'ca.pem');
    this.certFile = path.join(opts.home, 'tls', 'gateway.pem');
    this.host = opts.host ?? hostIdentity;
    this.now = opts.now ?? (() => new Date());
  }

  /** The names a certificate must hold for a gateway bound to `bindAddress`. */
  wantedNames(bindAddress: string): CertificateNames {
    return gatewayNames(bindAddress, this.host());
  }

  // -------------------------------------------------------------------------------------------
  // The local CA
  // -------------------------------------------------------------------------------------------

  /**
   * The local CA, created on first use. A CA certificate that went missing while the keychain
   * still holds its key is made again from that key (clients that trust the old one keep working).
   */
  async ensureCa(): Promise<PemPair> {
    const keyPem = await this.opts.secrets.get(ACCOUNTS.tlsCaKey);
    const certPem = await readText(this.caFile);
    if (keyPem) {
      if (certPem && this.caCertMatches(certPem, keyPem)) return { certPem, keyPem };
      const again = await recertifyCa(keyPem, this.host().hostname, this.now());
      await writeFileAtomic(this.caFile, again, { mode: 0o644 });
      return { certPem: again, keyPem };
    }
    const ca = await createCa(this.host().hostname, this.now());
    // Keychain first: a CA certificate without its key in the keychain would be useless.
    await this.opts.secrets.set(ACCOUNTS.tlsCaKey, ca.keyPem);
    await writeFileAtomic(this.caFile, ca.certPem, { mode: 0o644 });
    return ca;
  }

  private caCertMatches(certPem: string, keyPem: string): boolean {
    try {
      return keyMatchesCertificate(certPem, keyPem) && certificateInfo(certPem).isCa;
    } catch {
      return false;
    }
  }

  /** The CA certificate (PEM) for clients to trust; creates the CA when there is none yet. */
  async caCertificate(): Promise<string> {
    return (await this.ensureCa()).certPem;
  }

  /** Writes the CA certificate (public, mode 0644) where the user chose; never the key. */
  async exportCa(file: string): Promise<string> {
    await writeFileAtomic(file, await this.caCertificate(), { mode: 0o644 });
    return file;
  }

  // -------------------------------------------------------------------------------------------
  // Commands
  // -------------------------------------------------------------------------------------------

  /** `tls enable`: local mode; the CA and a certificate for the current names are ready at once. */
  async enableLocal(): Promise<TlsStatus> {
    const settings = await this.opts.settings.get();
    await this.prepareLocal(certificateBind(settings));
    await this.opts.settings.update({ tls: { mode: 'local', certFile: null, keyFile: null } });
    return this.status();
  }

  /** `tls enable --cert PATH --key PATH`: checked before the setting changes. */
  async enableCustom(certFile: string, keyFile: string): Promise<TlsStatus> {
    const settings = await this.opts.settings.get();
    const cert = path.resolve(certFile);
    const key = path.resolve(keyFile);
    await this.loadCustom(certificateBind(settings), cert, key);
    await this.opts.settings.update({ tls: { mode: 'custom', certFile: cert, keyFile: key } });
    return this.status();
  }

  /** `tls disable`: plain HTTP from the next start. The CA is kept, so clients need not trust a new one later. */
  async disable(): Promise<TlsStatus> {
    await this.opts.settings.update({ tls: { mode: 'off', certFile: null, keyFile: null } });
    return this.status();
  }

  async status(): Promise<TlsStatus> {
    const settings = await this.opts.settings.get();
    const now = this.now();
    const wanted = this.wantedNames(certificateBind(settings));
    const caPem = await readText(this.caFile);
    let ca: TlsCertificateSummary | null = null;
    try {
      if (caPem) ca = summary(certificateInfo(caPem), now);
    } catch {
      ca = null;
    }
    const out: TlsStatus = { mode: settings.tls.mode, certificate: null, ca, caFile: this.caFile, wantedNames: describeNames(wanted).split(', ').filter(Boolean), problem: null };
    if (settings.tls.mode === 'local') {
      const certPem = await readText(this.certFile);
      if (!certPem) {
        out.problem = 'No gateway certificate has been issued yet; the next start issues one.';
        return out;
      }
      const info = certificateInfo(certPem);
      out.certificate = summary(info, now);
      // Without the keychain: the key check is left to the start, which renews if needed.
      const signed = caPem ? signedBy(certPem, caPem) : false;
      const reason = renewalReason({ info, keyMatches: true, signedByCa: signed }, wanted, now);
      if (reason) out.problem = `The next start issues a new certificate: ${reason}.`;
    } else if (settings.tls.mode === 'custom') {
      try {
        const pair = await this.loadCustom(certificateBind(settings), settings.tls.certFile as string, settings.tls.keyFile as string);
        out.certificate = summary(pair.info, now);
        const left = daysLeft(pair.info, now);
        if (left < RENEW_BEFORE_DAYS) out.problem = `The certificate expires in ${left} day${left === 1 ? '' : 's'}; renew it.`;
        else if (pair.uncovered.length) out.problem = `The certificate does not hold ${pair.uncovered.join(', ')}; clients using those names will refuse it.`;
      } catch (err) {
        out.problem = (err as Error).message;
        const certPem = await readText(settings.tls.certFile as string).catch(() => null);
        try {
          if (certPem) out.certificate = summary(certificateInfo(certPem), now);
        } catch {
          // Unreadable: the problem says so.
        }
      }
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // At start
  // -------------------------------------------------------------------------------------------

  /**
   * What the gateway gets for HTTPS under `settings` (null when TLS is off). Local mode issues a
   * new certificate when renewalReason says so; custom mode reads and checks the user's files.
   */
  async prepare(settings: Settings): Promise<GatewayTlsMaterial | null> {
    if (settings.tls.mode === 'off') return null;
    let material: GatewayTlsMaterial;
    if (settings.tls.mode === 'custom') {
      const { certPem, keyPem, info } = await this.loadCustom(certificateBind(settings), settings.tls.certFile as string, settings.tls.keyFile as string);
      material = { mode: 'custom', certPem, keyPem, trust: customTrust(certPem), info, renewed: null };
    } else {
      material = await this.prepareLocal(certificateBind(settings));
    }
    this.prepared.clear();
    this.prepared.set(material.info.sha256, material);
    return material;
  }

  /**
   * The gateway container's TLS environment under `settings` (empty when TLS is off): renews the
   * certificate when due, so every start, recreate and rotation gets a valid one, and keeps it
   * otherwise (a rotation of the master key keeps the certificate).
   */
  async gatewayEnv(settings: Settings): Promise<Record<string, string>> {
    const material = await this.prepare(settings);
    return material ? tlsEnv(material.info.sha256) : {};
  }

  /** The certificate and key `gatewayEnv` named by `sha256`, to copy into a created container. */
  async filesFor(settings: Settings, sha256: string): Promise<Pick<GatewayTlsMaterial, 'certPem' | 'keyPem'>> {
    const material = this.prepared.get(sha256) ?? (await this.prepare(settings));
    if (!material || material.info.sha256 !== sha256) {
      throw new GatehouseError('TLS_INVALID', 'The gateway certificate changed while the gateway was being created (another Gatehouse process renewed it).', 'Start the gateway again.');
    }
    return material;
  }

  /**
   * The certificates a client trusts to reach the gateway under `settings`, read without the
   * keychain (for status probes): the CA certificate, or the custom certificate's chain. Null
   * when TLS is off or nothing has been issued yet.
   */
  async trust(settings: Settings): Promise<string[] | null> {
    if (settings.tls.mode === 'off') return null;
    const pem = await readText(settings.tls.mode === 'local' ? this.caFile : (settings.tls.certFile as string)).catch(() => null);
    if (!pem) return null;
    return settings.tls.mode === 'local' ? [pem] : customTrust(pem);
  }

  private async prepareLocal(bindAddress: string): Promise<GatewayTlsMaterial> {
    const ca = await this.ensureCa();
    const wanted = this.wantedNames(bindAddress);
    const now = this.now();
    const [certPem, keyPem] = await Promise.all([readText(this.certFile), this.opts.secrets.get(ACCOUNTS.tlsGatewayKey)]);
    let current = null;
    if (certPem) {
      try {
        current = { info: certificateInfo(certPem), keyMatches: keyPem !== null && keyMatchesCertificate(certPem, keyPem), signedByCa: signedBy(certPem, ca.certPem) };
      } catch {
        current = null;
      }
    }
    const reason = renewalReason(current, wanted, now);
    if (!reason && certPem && keyPem && current) {
      return { mode: 'local', certPem, keyPem, trust: [ca.certPem], info: current.info, renewed: null };
    }
    const issued = await issueGatewayCertificate(ca, wanted, now);
    // Key first: a certificate whose key is not in the keychain is re-issued at the next start,
    // while a key without its certificate would be silently unusable.
    await this.opts.secrets.set(ACCOUNTS.tlsGatewayKey, issued.keyPem);
    await writeFileAtomic(this.certFile, issued.certPem, { mode: 0o644 });
    return { mode: 'local', certPem: issued.certPem, keyPem: issued.keyPem, trust: [ca.certPem], info: certificateInfo(issued.certPem), renewed: reason };
  }

  private async loadCustom(bindAddress: string, certFile: string, keyFile: string) {
    const read = async (file: string, what: string): Promise<string> => {
      try {
        return await fs.readFile(file, 'utf8');
      } catch (err) {
        throw new GatehouseError('TLS_INVALID', `The TLS ${what} file ${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`,
          `Check the path and that you can read it, or switch to Gatehouse's own CA with \`gatehouse tls enable\`.`);
      }
    };
    const [certPem, keyPem] = await Promise.all([read(certFile, 'certificate'), read(keyFile, 'key')]);
    const checked = checkCustomPair(certPem, keyPem, { certFile, keyFile }, localAddress(bindAddress), this.wantedNames(bindAddress), this.now());
    return { certPem, keyPem, ...checked };
  }
}

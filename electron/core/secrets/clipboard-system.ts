import { spawn } from 'node:child_process';
import { GatehouseError } from '../errors';
import type { ClipboardBackend } from './clipboard';

/**
 * The clipboard through the platform's own commands, for the CLI and tests (the desktop app uses
 * Electron's clipboard). The secret always travels on the command's stdin, never in argv.
 *
 * Secret markers, per platform:
 * - macOS: osascript (JavaScript for Automation) writes the text and the
 *   `org.nspasteboard.ConcealedType` type in one pasteboard write.
 * - Windows: PowerShell sets a DataObject with the text plus `ExcludeClipboardContentFromMonitorProcessing`
 *   and `CanIncludeInClipboardHistory` = 0 and `CanUploadToCloudClipboard` = 0.
 * - Wayland: `wl-copy --sensitive` (wl-clipboard ≥ 2.2) offers `x-kde-passwordManagerHint: secret`;
 *   older wl-copy lacks the flag, so the text is copied unmarked.
 * - X11: xclip owns the selection with one target per process, so it cannot offer both the text
 *   (UTF8_STRING) and the `x-kde-passwordManagerHint` target; a second xclip would take the
 *   selection away from the first. Serving several targets needs an X selection owner of our own
 *   (the desktop app's Electron backend has one through Chromium). Here the text is copied
 *   unmarked and `concealed: false` says so; the auto-clear still bounds its life.
 */

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], input: string | null, options: { timeoutMs?: number; captureStdout?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    // xclip and wl-copy fork a child that keeps serving the selection and inherits our pipes:
    // stdout is ignored unless wanted, and the result is taken at 'exit' (not 'close'), which
    // the forked child would hold open.
    const child = spawn(cmd, args, {
      stdio: ['pipe', options.captureStdout ? 'pipe' : 'ignore', 'pipe'],
      env: options.env ?? process.env,
      windowsHide: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 5000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      // Give buffered output a moment to arrive, then detach from pipes a forked child may hold.
      setImmediate(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        resolve({ code, stdout, stderr });
      });
    });
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(input ?? '');
  });
}

function unavailable(what: string, fix: string, cause?: unknown): GatehouseError {
  return new GatehouseError('CLIPBOARD_UNAVAILABLE', what, fix, cause ? { cause } : undefined);
}

type Flavour = 'xclip' | 'wayland' | 'macos' | 'windows';

export function detectFlavour(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): Flavour | null {
  if (platform === 'darwin') return 'macos';
  if (platform === 'win32') return 'windows';
  if (env.WAYLAND_DISPLAY) return 'wayland';
  if (env.DISPLAY) return 'xclip';
  return null;
}

const MAC_WRITE = `
ObjC.import('AppKit');
ObjC.import('Foundation');
const data = $.NSFileHandle.fileHandleWithStandardInput.readDataToEndOfFile;
const text = $.NSString.alloc.initWithDataEncoding(data, $.NSUTF8StringEncoding);
const pb = $.NSPasteboard.generalPasteboard;
pb.clearContents;
pb.setStringForType(text, $.NSPasteboardTypeString);
pb.setStringForType($(''), $('org.nspasteboard.ConcealedType'));
'';`;
const MAC_CLEAR = `ObjC.import('AppKit'); $.NSPasteboard.generalPasteboard.clearContents; '';`;

const WIN_WRITE = [
  'Add-Type -AssemblyName System.Windows.Forms',
  '$t = [Console]::In.ReadToEnd()',
  '$d = New-Object System.Windows.Forms.DataObject',
  '$d.SetData([System.Windows.Forms.DataFormats]::UnicodeText, $t)',
  "foreach ($f in 'ExcludeClipboardContentFromMonitorProcessing','CanIncludeInClipboardHistory','CanUploadToCloudClipboard') { $d.SetData($f, (New-Object System.IO.MemoryStream(,[byte[]](0,0,0,0)))) }",
  '[System.Windows.Forms.Clipboard]::SetDataObject($d, $true)',
].join('; ');
const WIN_READ = 'Add-Type -AssemblyName System.Windows.Forms; [Console]::Out.Write([System.Windows.Forms.Clipboard]::GetText())';
const WIN_CLEAR = 'Add-Type -AssemblyName System.Windows.Forms; [System.Windows.Forms.Clipboard]::Clear()';
const PS = ['-NoProfile', '-NonInteractive', '-STA', '-Command'];

export class SystemClipboard implements ClipboardBackend {
  readonly name: string;
  private readonly flavour: Flavour;
  private sensitiveFlag: boolean | null = null;

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {
    const flavour = detectFlavour(env);
    if (!flavour) {
      throw unavailable(
        'No clipboard is reachable: neither DISPLAY (X11) nor WAYLAND_DISPLAY is set in this session.',
        'Run the command inside your desktop session, or use `gatehouse key print` to pass the key to a script.',
      );
    }
    this.flavour = flavour;
    this.name = { xclip: 'xclip (X11)', wayland: 'wl-clipboard (Wayland)', macos: 'macOS pasteboard', windows: 'Windows clipboard' }[flavour];
  }

  private async exec(cmd: string, args: string[], input: string | null, captureStdout = false): Promise<RunResult> {
    try {
      return await run(cmd, args, input, { captureStdout, env: this.env });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        const pkg = cmd === 'xclip' ? 'xclip' : cmd.startsWith('wl-') ? 'wl-clipboard' : cmd;
        throw unavailable(`The clipboard command "${cmd}" is not installed.`, `Install ${pkg} (for example: sudo apt install ${pkg}) and try again.`, err);
      }
      throw unavailable(`The clipboard command "${cmd}" could not run: ${(err as Error).message}.`, 'Check your desktop session and try again.', err);
    }
  }

  private failed(cmd: string, r: RunResult): GatehouseError {
    const why = r.stderr.trim().split('\n')[0] || `exit code ${r.code}`;
    return unavailable(`The clipboard command "${cmd}" failed: ${why}.`, 'Check that your desktop session (DISPLAY or WAYLAND_DISPLAY) is reachable from this shell.');
  }

  async writeSecret(text: string): Promise<{ concealed: boolean }> {
    switch (this.flavour) {
      case 'xclip': {
        const r = await this.exec('xclip', ['-selection', 'clipboard'], text);
        if (r.code !== 0) throw this.failed('xclip', r);
        return { concealed: false };
      }
      case 'wayland': {
        if (this.sensitiveFlag !== false) {
          const r = await this.exec('wl-copy', ['--sensitive'], text);
          if (r.code === 0) {
            this.sensitiveFlag = true;
            return { concealed: true };
          }
          if (!/unrecognized|unknown|invalid option/i.test(r.stderr)) throw this.failed('wl-copy', r);
          this.sensitiveFlag = false;
        }
        const r = await this.exec('wl-copy', [], text);
        if (r.code !== 0) throw this.failed('wl-copy', r);
        return { concealed: false };
      }
      case 'macos': {
        const r = await this.exec('osascript', ['-l', 'JavaScript', '-e', MAC_WRITE], text);
        if (r.code !== 0) throw this.failed('osascript', r);
        return { concealed: true };
      }
      case 'windows': {
        const r = await this.exec('powershell.exe', [...PS, WIN_WRITE], text);
        if (r.code !== 0) throw this.failed('powershell.exe', r);
        return { concealed: true };
      }
    }
  }

  async readText(): Promise<string | null> {
    let r: RunResult;
    switch (this.flavour) {
      case 'xclip':
        r = await this.exec('xclip', ['-selection', 'clipboard', '-o'], null, true);
        // No owner, or an owner without text: xclip says the target is not available.
        if (r.code !== 0) return null;
        return r.stdout;
      case 'wayland':
        r = await this.exec('wl-paste', ['--no-newline'], null, true);
        if (r.code !== 0) return null;
        return r.stdout;
      case 'macos':
        r = await this.exec('pbpaste', [], null, true);
        if (r.code !== 0) throw this.failed('pbpaste', r);
        return r.stdout;
      case 'windows':
        r = await this.exec('powershell.exe', [...PS, WIN_READ], null, true);
        if (r.code !== 0) throw this.failed('powershell.exe', r);
        return r.stdout;
    }
  }

  async clear(): Promise<void> {
    let r: RunResult;
    switch (this.flavour) {
      case 'xclip':
        // xclip cannot give the selection up; owning it with empty text leaves nothing to paste.
        r = await this.exec('xclip', ['-selection', 'clipboard'], '');
        if (r.code !== 0) throw this.failed('xclip', r);
        return;
      case 'wayland':
        r = await this.exec('wl-copy', ['--clear'], null);
        if (r.code !== 0) throw this.failed('wl-copy', r);
        return;
      case 'macos':
        r = await this.exec('osascript', ['-l', 'JavaScript', '-e', MAC_CLEAR], null);
        if (r.code !== 0) throw this.failed('osascript', r);
        return;
      case 'windows':
        r = await this.exec('powershell.exe', [...PS, WIN_CLEAR], null);
        if (r.code !== 0) throw this.failed('powershell.exe', r);
        return;
    }
  }
}

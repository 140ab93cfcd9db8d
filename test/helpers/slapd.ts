/**
 * A real OpenLDAP server (Debian's `slapd`) for the LDAP connector's tests: a private CA and a
 * server certificate for 127.0.0.1/localhost made with `openssl`, an mdb database seeded with
 * `slapadd`, and the ppolicy overlay with a default policy that has `pwdMustChange: TRUE`, so an
 * administrator's reset sets `pwdReset: TRUE` as it would in production. It listens on ldaps://
 * and on ldap:// (for StartTLS) on two free loopback ports.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { type AddressInfo, createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SLAPD = '/usr/sbin/slapd';
const SLAPADD = '/usr/sbin/slapadd';

export type SlapdUser = { uid: string; mail: string; password: string };

export interface StartSlapdOptions {
  /** Default: alice, bob and carol @example.com. */
  users?: SlapdUser[];
  /** Adds an AD-like `unicodePwd`/`pwdLastSet` schema and puts it on the user `carol` (who must exist). */
  adAttributes?: boolean;
}

/** `url` is ldaps://127.0.0.1:PORT, `startTlsUrl` ldap://127.0.0.1:PORT2 (for StartTLS). */
export interface Slapd {
  url: string;
  startTlsUrl: string;
  /** The PEM CA that signed the server certificate; `strangerCaFile` signed nothing this server presents. */
  caFile: string;
  strangerCaFile: string;
  baseDN: string;
  /** The rootdn, which manages every password. */
  bindDN: string;
  bindPassword: string;
  usersDN: string;
  /** `uid=<uid>,<usersDN>` */
  userDn(uid: string): string;
  stop(): Promise<void>;
}

export const DEFAULT_SLAPD_USERS: readonly SlapdUser[] = [
  { uid: 'alice', mail: 'alice@example.com', password: 'Alice-old-pass-1' },
  { uid: 'bob', mail: 'bob@example.com', password: 'Bob-old-pass-1' },
  { uid: 'carol', mail: 'carol@example.com', password: 'Carol-old-pass-1' },
];

const BASE_DN = 'dc=resetdesk,dc=test';
const USERS_DN = `ou=people,${BASE_DN}`;
const POLICY_DN = `cn=default,ou=policies,${BASE_DN}`;

// A private OID arc under 2.25 (an arc for UUIDs, ITU-T X.667), so nothing needs registering.
const AD_SCHEMA = `attributetype ( 2.25.209262737356530548727923486641840971700.1.1 NAME 'unicodePwd'
  EQUALITY octetStringMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.40 SINGLE-VALUE )
attributetype ( 2.25.209262737356530548727923486641840971700.1.2 NAME 'pwdLastSet'
  EQUALITY integerMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
objectclass ( 2.25.209262737356530548727923486641840971700.2.1 NAME 'resetdeskAdLike'
  AUXILIARY MAY ( unicodePwd $ pwdLastSet ) )
`;

/** Starts a seeded slapd; call `stop()` when done (it also dies with this process). */
export async function startSlapd(options: StartSlapdOptions = {}): Promise<Slapd> {
  if (!existsSync(SLAPD) || !existsSync(SLAPADD)) {
    throw new Error(`${SLAPD} is missing: the LDAP tests need OpenLDAP (apt-get install slapd ldap-utils)`);
  }
  const users = options.users ?? DEFAULT_SLAPD_USERS;
  if (options.adAttributes && !users.some((u) => u.uid === 'carol')) throw new Error('adAttributes needs a user with uid carol');
  const dir = await mkdtemp(join(tmpdir(), 'resetdesk-slapd-'));
  let daemon: Daemon | undefined;
  try {
    await makeCertificates(dir);
    const bindPassword = randomBytes(18).toString('base64url');
    await writeFile(join(dir, 'slapd.conf'), await slapdConf(dir, bindPassword, !!options.adAttributes));
    await writeFile(join(dir, 'seed.ldif'), seedLdif(users, !!options.adAttributes));
    await mkdir(join(dir, 'db'));
    await run(SLAPADD, ['-f', join(dir, 'slapd.conf'), '-l', join(dir, 'seed.ldif')]);
    let ports: number[] = [];
    // A free port can be taken before slapd binds it: then slapd exits, and we try new ports.
    for (let attempt = 1; !daemon; attempt++) {
      ports = await freePorts(2);
      daemon = startDaemon(dir, `ldaps://127.0.0.1:${ports[0]}/ ldap://127.0.0.1:${ports[1]}/`);
      try {
        await waitForPort(daemon, ports[0] as number);
      } catch (err) {
        await stopDaemon(daemon);
        daemon = undefined;
        if (attempt === 3) throw err;
      }
    }
    const [ldapsPort, ldapPort] = ports;
    const started = daemon;
    return {
      url: `ldaps://127.0.0.1:${ldapsPort}`,
      startTlsUrl: `ldap://127.0.0.1:${ldapPort}`,
      caFile: join(dir, 'ca.pem'),
      strangerCaFile: join(dir, 'stranger-ca.pem'),
      baseDN: BASE_DN,
      bindDN: `cn=admin,${BASE_DN}`,
      bindPassword,
      usersDN: USERS_DN,
      userDn: (uid) => `uid=${uid},${USERS_DN}`,
      stop: async () => {
        await stopDaemon(started);
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    if (daemon) await stopDaemon(daemon);
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** A test CA, a server certificate it signs for 127.0.0.1/localhost, and a stranger CA (OpenSSL 3's `req -CA`). */
async function makeCertificates(dir: string): Promise<void> {
  const at = (name: string) => join(dir, name);
  // EC keys: generated instantly, and GnuTLS (Debian's slapd) serves them.
  const certificate = (name: string, subject: string, extensions: string[], signer: string[] = []) =>
    run('openssl', [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', ...signer],
      ...['-keyout', at(`${name}.key`), '-out', at(`${name}.pem`), '-subj', subject, ...extensions.flatMap((e) => ['-addext', e])],
    ]);
  const ca = ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign'];
  await Promise.all([certificate('ca', '/CN=resetdesk test CA', ca), certificate('stranger-ca', '/CN=resetdesk stranger CA', ca)]);
  await certificate(
    'server',
    '/CN=127.0.0.1',
    ['subjectAltName=IP:127.0.0.1,DNS:localhost', 'basicConstraints=critical,CA:FALSE', 'extendedKeyUsage=serverAuth'],
    ['-CA', at('ca.pem'), '-CAkey', at('ca.key')],
  );
}

async function slapdConf(dir: string, rootPassword: string, adAttributes: boolean): Promise<string> {
  const schemas = ['core', 'cosine', 'nis', 'inetorgperson'].map((s) => `/etc/ldap/schema/${s}.schema`);
  // OpenLDAP 2.5 builds the ppolicy schema into the overlay; 2.4 needed its schema file.
  const { stderr } = await run(SLAPD, ['-VV']).catch((err: { stderr?: string }) => ({ stderr: err.stderr ?? '' }));
  const [, major, minor] = /slapd (\d+)\.(\d+)/.exec(stderr) ?? [];
  if (Number(major) === 2 && Number(minor) < 5) schemas.push('/etc/ldap/schema/ppolicy.schema');
  if (adAttributes) {
    await writeFile(join(dir, 'ad-like.schema'), AD_SCHEMA);
    schemas.push(join(dir, 'ad-like.schema'));
  }
  return `${schemas.map((s) => `include ${s}`).join('\n')}
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload ppolicy
pidfile ${dir}/slapd.pid
argsfile ${dir}/slapd.args
TLSCACertificateFile ${dir}/ca.pem
TLSCertificateFile ${dir}/server.pem
TLSCertificateKeyFile ${dir}/server.key

database mdb
suffix "${BASE_DN}"
rootdn "cn=admin,${BASE_DN}"
rootpw ${ssha(rootPassword)}
directory ${dir}/db
overlay ppolicy
ppolicy_default "${POLICY_DN}"
access to attrs=userPassword by self write by anonymous auth by * none
access to * by * read
`;
}

function seedLdif(users: readonly SlapdUser[], adAttributes: boolean): string {
  const entries = [
    `dn: ${BASE_DN}\nobjectClass: dcObject\nobjectClass: organization\ndc: resetdesk\no: resetdesk`,
    `dn: ${USERS_DN}\nobjectClass: organizationalUnit\nou: people`,
    `dn: ou=policies,${BASE_DN}\nobjectClass: organizationalUnit\nou: policies`,
    `dn: ${POLICY_DN}\nobjectClass: device\nobjectClass: pwdPolicy\ncn: default\npwdAttribute: userPassword\npwdMustChange: TRUE\npwdAllowUserChange: TRUE`,
    ...users.map((u) => {
      const lines = [`dn: uid=${u.uid},${USERS_DN}`, 'objectClass: inetOrgPerson', `uid: ${u.uid}`, `cn: ${u.uid}`, `sn: ${u.uid}`];
      lines.push(`mail: ${u.mail}`, `userPassword: ${ssha(u.password)}`);
      // A pwdLastSet that is not 0, so a test sees the AD-mode reset set it.
      if (adAttributes && u.uid === 'carol') lines.push('objectClass: resetdeskAdLike', 'pwdLastSet: 133500000000000000');
      return lines.join('\n');
    }),
  ];
  return `${entries.join('\n\n')}\n`;
}

/** `{SSHA}`: what slappasswd makes by default (SHA-1 over password + salt, then the salt). */
function ssha(password: string): string {
  const salt = randomBytes(8);
  const digest = createHash('sha1').update(password).update(salt).digest();
  return `{SSHA}${Buffer.concat([digest, salt]).toString('base64')}`;
}

interface Daemon {
  child: ChildProcess;
  /** The end of what slapd printed on stderr, for error messages. */
  stderr(): string;
}

/**
 * Runs slapd in the foreground (`-d 0`) under a tiny shell that waits for it, while a subshell
 * kills it as soon as the shell's stdin reaches end of file. That happens on `stop()`, and also
 * when this process dies in any way (even SIGKILL), as nothing else holds the pipe's write end:
 * a crashed test run cannot leave slapd behind. (fd 3: a background job's stdin is /dev/null.)
 */
function startDaemon(dir: string, urls: string): Daemon {
  const script = `exec 3<&0; "$0" -d 0 -f "$1" -h "$2" </dev/null & pid=$!; (read _ <&3; kill $pid 2>/dev/null) & wait $pid`;
  const child = spawn('sh', ['-c', script, SLAPD, join(dir, 'slapd.conf'), urls], {
    stdio: ['pipe', 'ignore', 'pipe'],
    // Its own process group, so stopDaemon can kill everything it started at once if need be.
    detached: true,
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  return { child, stderr: () => stderr };
}

async function waitForPort({ child, stderr }: Daemon, port: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`slapd exited (${child.exitCode}) before listening: ${stderr()}`);
    if (await portOpen(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`slapd did not listen on 127.0.0.1:${port} within 10 s: ${stderr()}`);
}

async function stopDaemon({ child }: Daemon): Promise<void> {
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  // Also ends the watching subshell when slapd had already exited by itself.
  child.stdin?.end();
  // Should the shell not stop within 5 s, kill its process group: the shell, slapd and the watcher.
  const timer = setTimeout(() => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }, 5000);
  await exited;
  clearTimeout(timer);
}

/** `count` distinct free loopback ports: all listened on at once, then released. */
async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer());
  const ports = await Promise.all(
    servers.map(
      (srv) =>
        new Promise<number>((resolve, reject) => {
          srv.once('error', reject);
          srv.listen(0, '127.0.0.1', () => resolve((srv.address() as AddressInfo).port));
        }),
    ),
  );
  await Promise.all(servers.map((srv) => new Promise((resolve) => srv.close(resolve))));
  return ports;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Which shell runs a script in each image the manifests use: the one place the executed-script
 * tests look it up (shellcheck dialect and the local interpreter that stands in for it).
 * Facts and sources: docs/app-facts-verified.md, "Shells of the images and what postgres-init does".
 */

/** A shell as it exists in an image, and how the tests lint and run it here. */
export interface ImageShell {
  /** shellcheck `-s` dialect (shellcheck 0.9 has no busybox dialect: ash scripts are checked as POSIX sh). */
  readonly lint: 'sh' | 'bash' | 'dash';
  /** The local stand-in: `busybox` runs `busybox sh` with busybox applets first on PATH. */
  readonly run: 'busybox' | 'bash' | 'dash';
}

const BUSYBOX_SH: ImageShell = { lint: 'sh', run: 'busybox' };
const BASH: ImageShell = { lint: 'bash', run: 'bash' };
const DASH: ImageShell = { lint: 'dash', run: 'dash' };

interface ImageShells {
  /** Image repository without tag, e.g. `busybox`, `curlimages/curl`. */
  readonly repo: string;
  /** Program name (as a container command names it) → the shell it is in this image. */
  readonly shells: Readonly<Record<string, ImageShell>>;
  readonly source: string;
}

const IMAGE_SHELLS: readonly ImageShells[] = [
  { repo: 'busybox', shells: { sh: BUSYBOX_SH, ash: BUSYBOX_SH }, source: 'docker-library/busybox: the image is the busybox binary, /bin/sh is its ash applet' },
  { repo: 'curlimages/curl', shells: { sh: BUSYBOX_SH }, source: 'curl/curl-container create_base_image.sh@8.21.0: alpine base (busybox sh, awk, mkdir, mktemp, head)' },
  { repo: 'ghcr.io/qdm12/gluetun', shells: { sh: BUSYBOX_SH }, source: 'qdm12/gluetun Dockerfile@006c4b50: final stage FROM alpine:${ALPINE_VERSION}' },
  { repo: 'ghcr.io/sirrobot01/decypharr', shells: { sh: BUSYBOX_SH }, source: 'sirrobot01/decypharr Dockerfile@01ff49ad: final stage FROM alpine:latest (+ fuse3, su-exec)' },
  { repo: 'python', shells: { sh: BUSYBOX_SH }, source: 'docker-library/python 228f71e:3.14/alpine3.24/Dockerfile: FROM alpine:3.24 (busybox sh, find)' },
  { repo: 'rclone/rclone', shells: { sh: BUSYBOX_SH }, source: 'rclone/rclone Dockerfile@06fc21fa: final stage FROM alpine:latest (+ fuse)' },
  {
    repo: 'ghcr.io/home-operations/qbittorrent',
    shells: { bash: BASH },
    source: 'home-operations/containers apps/qbittorrent/Dockerfile@a9b84a4: FROM python:3.14-alpine3.24, apk add bash (entrypoint.sh is #!/usr/bin/env bash)',
  },
  { repo: 'postgres', shells: { bash: BASH, sh: DASH }, source: 'docker-library/postgres 16/bookworm/Dockerfile@03e18d66: FROM debian:bookworm-slim (bash; /bin/sh is dash)' },
];

/** The shell `program` (argv[0], possibly a path) is in `image`, or undefined when unknown. */
export function shellOf(image: string, program: string): ImageShell | undefined {
  const repo = image.replace(/@sha256:[0-9a-f]+$/, '').replace(/:[^/:]+$/, '');
  const name = program.split('/').pop()!;
  return IMAGE_SHELLS.find((x) => x.repo === repo)?.shells[name];
}

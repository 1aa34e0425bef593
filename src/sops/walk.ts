/**
 * The tree walk of sops `Tree.Encrypt` / `Tree.Decrypt`: depth first in document order, the path
 * being the mapping keys from the root (list indices are not part of it), every non-null leaf
 * fed to the MAC, leaves on an encrypted path encrypted with AAD `path.join(':') + ':'`.
 */
import { decryptScalar, encryptScalar } from './cipher.js';
import { SopsError } from './errors.js';
import { MacHasher } from './mac.js';
import type { Selector } from './selection.js';
import type { MapNode, Node, Scalar } from './tree.js';

const aadOf = (path: readonly string[]) => path.join(':') + ':';

type LeafFn = (leaf: Scalar, path: string[], encrypted: boolean) => Node;

function mapLeaves(node: Node, path: string[], selector: Selector, fn: LeafFn): Node {
  if (node.kind === 'map') {
    return { kind: 'map', entries: node.entries.map(([k, v]) => [k, mapLeaves(v, [...path, k], selector, fn)] as [string, Node]) };
  }
  if (node.kind === 'seq') return { kind: 'seq', items: node.items.map((it) => mapLeaves(it, path, selector, fn)) };
  return fn(node, path, selector(path));
}

/** Encrypt the selected leaves of the given documents; returns the encrypted documents and the hex MAC. */
export function encryptDocuments(docs: readonly MapNode[], dataKey: Uint8Array, selector: Selector, macOnlyEncrypted: boolean): { docs: MapNode[]; mac: string } {
  const mac = new MacHasher(macOnlyEncrypted);
  const out = docs.map(
    (doc) =>
      mapLeaves(doc, [], selector, (leaf, path, encrypted) => {
        mac.add(leaf, encrypted);
        if (!encrypted || leaf.kind === 'null') return leaf;
        if (leaf.kind === 'time') throw new SopsError(`${aadOf(path)} a timestamp cannot be encrypted for sops 3.8/3.9; use a string`);
        return { kind: 'str', value: encryptScalar(leaf, dataKey, aadOf(path)) };
      }) as MapNode,
  );
  return { docs: out, mac: mac.hex() };
}

/** Decrypt the selected leaves; returns the plaintext documents and the recomputed hex MAC. */
export function decryptDocuments(docs: readonly MapNode[], dataKey: Uint8Array, selector: Selector, macOnlyEncrypted: boolean): { docs: MapNode[]; mac: string } {
  const mac = new MacHasher(macOnlyEncrypted);
  const out = docs.map(
    (doc) =>
      mapLeaves(doc, [], selector, (leaf, path, encrypted) => {
        if (!encrypted || leaf.kind === 'null') {
          mac.add(leaf, encrypted);
          return leaf;
        }
        if (leaf.kind !== 'str') {
          throw new SopsError(`${aadOf(path)} a ${leaf.kind} value in an encrypted path (sops expects an ENC[…] string there)`);
        }
        const plain = decryptScalar(leaf.value, dataKey, aadOf(path), `value at ${aadOf(path)}`);
        mac.add(plain, encrypted);
        return plain;
      }) as MapNode,
  );
  return { docs: out, mac: mac.hex() };
}

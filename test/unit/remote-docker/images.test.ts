import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import {
  chooseImagesToPrune,
  imageRepository,
  imagesArgv,
  parseImages,
  removeImagesArgv,
  type LocalImage,
} from '../../../src/remote-docker/index.js';
import { shellJoin } from '../../../src/shared/quote.js';

describe('imageRepository', () => {
  test.each([
    ['redis:7', 'redis'],
    ['redis', 'redis'],
    ['registry.example.com/coding/web:1.0.0', 'registry.example.com/coding/web'],
    ['127.0.0.1:5000/coding/web:2', '127.0.0.1:5000/coding/web'],
    ['127.0.0.1:5000/coding/web', '127.0.0.1:5000/coding/web'],
    ['reg:5000/a/b:1.2@sha256:abcd', 'reg:5000/a/b'],
    ['a/b@sha256:abcd', 'a/b'],
  ])('%s → %s', (ref, repo) => {
    expect(imageRepository(ref)).toBe(repo);
  });
});

describe('image pruning', () => {
  test('read argv: one reference filter per repository', () => {
    expect(shellJoin(imagesArgv(['reg:5000/web', 'base', 'base']))).toBe(
      "docker image ls --no-trunc --format '{{json .}}' --filter reference=base --filter reference=reg:5000/web",
    );
  });

  test('parses real docker image ls output', () => {
    const images = parseImages(
      readFileSync(new URL('./fixtures/images.jsonl', import.meta.url), 'utf8') +
        '\nnot json\n{"ID":1}\n',
    );
    expect(images.map((i) => `${i.repository}:${i.tag}`)).toEqual([
      'base:1',
      '127.0.0.1:5000/coding/web:1',
      '127.0.0.1:5000/coding/web:2',
    ]);
    expect(images[0]!.id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(Number.isFinite(images[0]!.created)).toBe(true);
    expect(
      parseImages(
        '{"ID":"sha256:1","Repository":"r","Tag":"t","CreatedAt":"2026-11-27 18:47:10 +0000 UTC"}',
      )[0]!.created,
    ).toBe(Date.parse('2026-11-27T18:47:10Z'));
  });

  const img = (
    tag: string,
    day: number,
    id = `sha256:${tag}`,
    repository = 'reg/web',
  ): LocalImage => ({
    id,
    repository,
    tag,
    created: Date.UTC(2026, 0, day),
  });

  test.each([
    ['fewer than keep: nothing', [img('1', 1), img('2', 2)], [], []],
    [
      'keeps the 3 newest',
      [img('1', 1), img('2', 2), img('3', 3), img('4', 4), img('5', 5)],
      [],
      ['reg/web:2', 'reg/web:1'],
    ],
    [
      'never one in use (an .old container)',
      [img('1', 1), img('2', 2), img('3', 3), img('4', 4), img('5', 5)],
      ['sha256:1'],
      ['reg/web:2'],
    ],
    [
      'other repositories untouched',
      [
        img('1', 1, 'x', 'other'),
        img('2', 2, 'y', 'other'),
        img('3', 3, 'z', 'other'),
        img('4', 4, 'w', 'other'),
      ],
      [],
      [],
    ],
    ['<none> tags never chosen', [img('<none>', 0), img('1', 1), img('2', 2), img('3', 3)], [], []],
    [
      'equal times: higher tag is newer',
      [img('9', 1), img('10', 1), img('11', 1), img('12', 1)],
      [],
      ['reg/web:9'],
    ],
  ])('%s', (_n, images, inUse, expected) => {
    expect(
      chooseImagesToPrune(images, { repositories: ['reg/web'], inUseIds: new Set(inUse) }),
    ).toEqual(expected);
  });

  test('rmi without -f', () => {
    expect(removeImagesArgv(['reg/web:1', 'reg/web:2'])).toEqual([
      'docker',
      'rmi',
      'reg/web:1',
      'reg/web:2',
    ]);
  });
});

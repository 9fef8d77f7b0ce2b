import { describe, expect, it } from 'vitest';
import { YhcError } from '../../src/errors.js';
import { modelMetadata, parseImgsz, parseNamesDict } from '../../src/ir/model_metadata.js';
import { decodeModel } from '../../src/onnx/load.js';
import { MAX_METADATA_CHARS, readMetadataProps } from '../../src/onnx/metadata.js';
import { encodeModel } from '../../src/onnx/write.js';
import { convBlockSpec } from '../helpers/models.js';

describe('parseNamesDict (ultralytics names, a Python dict literal)', () => {
  it('reads_single_and_double_quoted_values_in_key_order', () => {
    expect(parseNamesDict(`{0: 'person', 1: "it's", 2: 'traffic light'}`)).toEqual(['person', "it's", 'traffic light']);
    expect(parseNamesDict(`{1: 'b', 0: 'a'}`)).toEqual(['a', 'b']);
    expect(parseNamesDict(`{ }`)).toEqual([]);
    expect(parseNamesDict(`{0: 'a',}`)).toEqual(['a']);
  });

  it('decodes_python_escapes', () => {
    expect(parseNamesDict(String.raw`{0: 'a\'b', 1: "c\"d", 2: 'back\\slash', 3: 'tab\there', 4: '\xe9\u00e9\U0001F600', 5: 'oct\101'}`)).toEqual([
      "a'b",
      'c"d',
      'back\\slash',
      'tab\there',
      'éé😀',
      'octA',
    ]);
    expect(parseNamesDict(`{0: '日本語', 1: '</script><b>'}`)).toEqual(['日本語', '</script><b>']);
  });

  it('yields_nothing_for_malformed_or_non_dense_dicts', () => {
    for (const bad of [
      '',
      '[0, 1]',
      `{0: 'a'`,
      `{0: 'a' 1: 'b'}`,
      `{0: 'a', 2: 'c'}`,
      `{0: 'a', 0: 'b'}`,
      `{'0': 'a'}`,
      `{0: a}`,
      `{0: 'unterminated}`,
      `{0: 'a'} trailing`,
      String.raw`{0: '\x4'}`,
      String.raw`{0: '\U00110000'}`,
      `{0: __import__('os').system('rm -rf /')}`,
      `{0: 'a', -1: 'b'}`,
    ]) {
      expect(parseNamesDict(bad), bad).toBeUndefined();
    }
  });

  it('handles_a_very_long_dict_without_recursion', () => {
    const n = 20000;
    const text = `{${Array.from({ length: n }, (_, i) => `${i}: 'c${i}'`).join(', ')}}`;
    const names = parseNamesDict(text)!;
    expect(names.length).toBe(n);
    expect(names[n - 1]).toBe(`c${n - 1}`);
  });
});

describe('imgsz, stride, task', () => {
  it('parses_imgsz_as_h_w', () => {
    expect(parseImgsz('[640, 640]')).toEqual([640, 640]);
    expect(parseImgsz('[384, 640]')).toEqual([384, 640]);
    expect(parseImgsz('640')).toEqual([640, 640]);
    expect(parseImgsz('(320,)')).toEqual([320, 320]);
    for (const bad of ['', '[640, 640, 3]', '[0, 640]', 'abc', '[-1, 640]', '[1e3, 640]']) expect(parseImgsz(bad), bad).toBeUndefined();
  });

  it('keeps_raw_values_and_parses_only_what_is_well_formed', () => {
    const md = modelMetadata(
      new Map([
        ['names', `{0: 'a', 1: 'b'}`],
        ['imgsz', '[320, 320]'],
        ['stride', '32'],
        ['task', 'detect'],
        ['end2end', 'True'],
      ]),
    );
    expect(md).toEqual({
      raw: { names: `{0: 'a', 1: 'b'}`, imgsz: '[320, 320]', stride: '32', task: 'detect', end2end: 'True' },
      classNames: ['a', 'b'],
      imgsz: [320, 320],
      stride: 32,
      task: 'detect',
    });
    const bad = modelMetadata(
      new Map([
        ['names', `{0: 'a'`],
        ['imgsz', 'big'],
        ['stride', '32.5'],
        ['__proto__', 'x'],
      ]),
    );
    expect(bad.classNames).toBeUndefined();
    expect(bad.imgsz).toBeUndefined();
    expect(bad.stride).toBeUndefined();
    expect(Object.keys(bad.raw)).toEqual(['names', 'imgsz', 'stride', '__proto__']);
    expect(JSON.parse(JSON.stringify(bad.raw))['__proto__']).toBe('x');
  });
});

describe('readMetadataProps', () => {
  const model = (metadata: [string, string][]) => decodeModel(encodeModel({ ...convBlockSpec(), metadata }), 'test');

  it('reads_metadata_props_as_a_map', () => {
    const props = readMetadataProps(
      model([
        ['task', 'detect'],
        ['stride', '32'],
      ]),
    );
    expect([...props]).toEqual([
      ['task', 'detect'],
      ['stride', '32'],
    ]);
  });

  it('rejects_metadata_over_the_size_cap_naming_the_key', () => {
    const big = 'x'.repeat(MAX_METADATA_CHARS / 2);
    let err: unknown;
    try {
      readMetadataProps(
        model([
          ['a', big],
          ['huge"\nkey', big],
        ]),
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(YhcError);
    expect((err as YhcError).code).toBe('ONNX_INVALID');
    expect((err as YhcError).message).toContain(JSON.stringify('huge"\nkey'));
    expect((err as YhcError).message).not.toContain('\n');
  });
});

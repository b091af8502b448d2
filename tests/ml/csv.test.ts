/** Golden cases for the RFC 4180 parser the text loaders depend on. */
import { describe, expect, it } from 'vitest';
import { type DelimitedOptions, parseDelimited, parseRecords } from '../../shared/ml/csv.js';

describe('parseDelimited', () => {
  const cases: [string, string, string[][], DelimitedOptions?][] = [
    [
      'plain fields',
      'a,b,c\n1,2,3\n',
      [
        ['a', 'b', 'c'],
        ['1', '2', '3'],
      ],
    ],
    [
      'no trailing newline',
      'a,b\n1,2',
      [
        ['a', 'b'],
        ['1', '2'],
      ],
    ],
    [
      'trailing CRLF',
      'a,b\r\n1,2\r\n',
      [
        ['a', 'b'],
        ['1', '2'],
      ],
    ],
    ['CRLF mixed with LF', 'a\r\nb\nc', [['a'], ['b'], ['c']]],
    ['quoted delimiter', '"x,y",z\n', [['x,y', 'z']]],
    ['doubled quotes', '"say ""hi""",2\n', [['say "hi"', '2']]],
    ['only doubled quotes', '"""",""""""\n', [['"', '""']]],
    ['Davidson-style quoted quotes', '1,""" bad """\n', [['1', '" bad "']]],
    [
      'newline inside quotes',
      '"line1\nline2",b\nc,d\n',
      [
        ['line1\nline2', 'b'],
        ['c', 'd'],
      ],
    ],
    ['CRLF inside quotes kept verbatim', '"a\r\nb"\r\n', [['a\r\nb']]],
    [
      'BOM stripped',
      '\ufeffid,text\n1,x\n',
      [
        ['id', 'text'],
        ['1', 'x'],
      ],
    ],
    [
      'empty fields',
      ',a,,\n,,,\n',
      [
        ['', 'a', '', ''],
        ['', '', '', ''],
      ],
    ],
    ['empty quoted field', '"",x\n', [['', 'x']]],
    [
      'unnamed first header column',
      ',count,class\n0,3,2\n',
      [
        ['', 'count', 'class'],
        ['0', '3', '2'],
      ],
    ],
    ['blank line in the middle', 'a\n\nb\n', [['a'], [''], ['b']]],
    ['quote inside an unquoted field is literal', 'ab"c,d\n', [['ab"c', 'd']]],
    ['empty input', '', []],
    ['BOM only', '\ufeff', []],
    ['semicolon delimiter', 'a;"b;c"\n', [['a', 'b;c']], { delimiter: ';' }],
    [
      'TSV without quoting keeps quotes',
      'id\ttweet\n1\t"quoted" and "more\n2\t""\n',
      [
        ['id', 'tweet'],
        ['1', '"quoted" and "more'],
        ['2', '""'],
      ],
      { delimiter: '\t', quoting: false },
    ],
    ['TSV with quoting on', 'a\t"b\tc"\n', [['a', 'b\tc']], { delimiter: '\t' }],
    ['commas are data in TSV', 'a,b\tc\n', [['a,b', 'c']], { delimiter: '\t', quoting: false }],
  ];
  it.each(cases)('%s', (_name, text, expected, opts) => {
    expect(parseDelimited(text, opts)).toEqual(expected);
  });

  const errors: [string, string, RegExp][] = [
    ['unterminated quote on line 1', '"abc', /unterminated quoted field starting on line 1\b/],
    ['unterminated quote after multi-line records', 'a,b\n"x\ny",2\n3,"open\nmore', /starting on line 4\b/],
    ['junk after closing quote', 'a\n"x"y,1\n', /after closing quote on line 2\b/],
  ];
  it.each(errors)('throws: %s', (_name, text, message) => {
    expect(() => parseDelimited(text)).toThrow(message);
  });

  it('rejects delimiters it cannot honour', () => {
    expect(() => parseDelimited('a', { delimiter: '"' })).toThrow(/delimiter/);
    expect(() => parseDelimited('a', { delimiter: ',,' })).toThrow(/delimiter/);
  });
});

describe('parseRecords', () => {
  it('maps rows onto the header and reports the line each row starts on', () => {
    const text = '\ufeff,tweet,class\r\n0,"two\nlines",1\r\n1,plain,2\r\n';
    expect(parseRecords(text)).toEqual({
      header: ['', 'tweet', 'class'],
      rows: [
        { '': '0', tweet: 'two\nlines', class: '1' },
        { '': '1', tweet: 'plain', class: '2' },
      ],
      lines: [2, 4],
    });
  });

  it('names the line of a row with the wrong width', () => {
    expect(() => parseRecords('a,b\n1,2\n"x\ny"\n')).toThrow(/line 3 has 1 fields, header has 2/);
  });

  it('refuses duplicate header names, which would silently drop a column', () => {
    expect(() => parseRecords('a,a\n1,2\n')).toThrow(/duplicate/);
  });

  it('returns nothing for an empty file', () => {
    expect(parseRecords('')).toEqual({ header: [], rows: [], lines: [] });
  });

  it('agrees with a naive split on quote-free input of many rows', () => {
    const rows = Array.from({ length: 500 }, (_, i) => [`id${i}`, `text ${i * 7}`, String(i % 3)]);
    const text = `${rows.map((r) => r.join(',')).join('\n')}\n`;
    expect(parseDelimited(text)).toEqual(rows);
  });
});

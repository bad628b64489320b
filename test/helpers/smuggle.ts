/** `text` as Unicode tag characters: invisible, read by a model as the ASCII they mirror ("ASCII smuggling"). */
export const smuggle = (text: string): string => [...text].map((c) => String.fromCodePoint(0xe0000 + c.codePointAt(0)!)).join('');

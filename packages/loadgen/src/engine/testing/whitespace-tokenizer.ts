import type { Tokenizer } from '../../ports.js';

/**
 * Test tokenizer: one token per whitespace-separated word. Ids come from a vocabulary built on the fly, so
 * `decode(encode(t))` gives the words back joined by single spaces.
 */
export class WhitespaceTokenizer implements Tokenizer {
  readonly name = 'whitespace';
  private readonly ids = new Map<string, number>();
  private readonly words: string[] = [];

  encode(text: string): number[] {
    return this.split(text).map((w) => {
      let id = this.ids.get(w);
      if (id === undefined) {
        id = this.words.length;
        this.words.push(w);
        this.ids.set(w, id);
      }
      return id;
    });
  }

  decode(ids: number[]): string {
    return ids.map((id) => this.words[id] ?? '').join(' ');
  }

  count(text: string): number {
    return this.split(text).length;
  }

  private split(text: string): string[] {
    return text.split(/\s+/).filter((w) => w !== '');
  }
}

from __future__ import annotations

import json
import os
import unittest

from microgpt_torch import MicrogptTorchError, load_tokenizer, tokenizer_from_json
from microgpt_torch.tokenizer import BYTE_TO_CHAR

from .helpers import FIXTURES

FOLDER = os.path.join(FIXTURES, "gpt2-tiny")


def fixture_json() -> dict:
    with open(os.path.join(FOLDER, "tokenizer.json"), encoding="utf-8") as handle:
        return json.load(handle)


class FixtureTokenizer(unittest.TestCase):
    def setUp(self):
        self.tokenizer = tokenizer_from_json(fixture_json())

    def test_the_expected_files_texts_encode_to_their_ids(self):
        with open(os.path.join(FIXTURES, "gpt2-tiny-expected.json"), encoding="utf-8") as handle:
            sequences = json.load(handle)["sequences"]
        texts = [s for s in sequences if s["text"] is not None]
        self.assertEqual(len(texts), 2)
        for s in texts:
            self.assertEqual(self.tokenizer.encode(s["text"]), s["ids"])
            self.assertEqual(self.tokenizer.decode(s["ids"]), s["text"])

    def test_merges_and_the_gpt2_split(self):
        t = self.tokenizer
        self.assertEqual([t.decode([i]) for i in t.encode("What say you to the")], ["W", "hat", " s", "a", "y", " you", " to", " the"])
        self.assertEqual([t.decode([i]) for i in t.encode("it's  42!")], ["it", "'", "s", " ", " ", "4", "2", "!"])

    def test_special_token_text_becomes_its_id(self):
        self.assertEqual(self.tokenizer.encode("a<|endoftext|>b"), [64, 299, 65])
        self.assertEqual(self.tokenizer.decode([64, 299, 65]), "a<|endoftext|>b")

    def test_any_text_round_trips_and_bytes_follow_gpt2s_order(self):
        for text in ("Ünïcödé — naïve", "日本語 😀", "tabs\tand\r\nCRLF", "x² ½ Ⅻ", "\u00a0nbsp\u3000"):
            self.assertEqual(self.tokenizer.decode(self.tokenizer.encode(text)), text)
        vocab = fixture_json()["model"]["vocab"]
        self.assertEqual((vocab["!"], vocab["~"], vocab[BYTE_TO_CHAR[0]], vocab["Ġ"]), (0, 93, 188, 220))

    def test_load_tokenizer_reads_the_folder(self):
        tokenizer = load_tokenizer(FOLDER)
        self.assertEqual(tokenizer.vocab_size, 300)
        self.assertEqual(tokenizer.encode("the the"), self.tokenizer.encode("the the"))


class BadTokenizers(unittest.TestCase):
    def refused(self, change, *words):
        data = fixture_json()
        change(data)
        with self.assertRaises(MicrogptTorchError) as caught:
            tokenizer_from_json(data, "tok.json")
        self.assertTrue(str(caught.exception).startswith("tok.json: "))
        for word in words:
            self.assertIn(word, str(caught.exception))

    def test_refusals_name_the_field(self):
        self.refused(lambda d: d["model"].update(type="WordPiece"), '"model.type"')
        self.refused(lambda d: d.update(normalizer={"type": "NFC"}), '"normalizer"')
        self.refused(lambda d: d.update(pre_tokenizer={"type": "Whitespace"}), '"pre_tokenizer"')
        self.refused(lambda d: d["model"]["merges"].append("Ġ zz"), '"model.merges[43]"')
        self.refused(lambda d: d["model"]["vocab"].update({"a b": 400}), "byte-level token string")
        self.refused(lambda d: d["model"]["vocab"].pop("Ā"), "every byte", "0x00")
        self.refused(lambda d: d["added_tokens"][0].update(special=False), '"added_tokens[0]"')


if __name__ == "__main__":
    unittest.main()

// translate_one MODEL "sentence": loads a model file and translates one sentence through the
// library API (beam 5, as nmt-translate's default), the way an application embeds the translator.
#include <iostream>
#include <string>
#include <vector>

#include "nmt/models/model_file.h"
#include "nmt/search/translator.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: translate_one MODEL SENTENCE\n";
    return 2;
  }
  try {
    nmt::LoadedModel loaded = nmt::load_model(argv[1]);
    nmt::TranslatorOptions options;
    options.search.beam = 5;
    nmt::Translator translator(*loaded.model, loaded.tokenizer(), options);
    const std::vector<std::string> lines{argv[2]};
    std::cout << translator.translate(lines, "the command line", 1).front().text << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "translate_one: " << e.what() << "\n";
    return 1;
  }
}

// Fuzz target: nmt-classify's settings file (read_settings_file, then Variant::from_map as
// `nmt-classify --config FILE` does). Every input either gives a variant or throws the documented
// errors: SettingsError (file:line) or std::invalid_argument naming the setting.
#include <cstddef>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>

#include "fuzz_support.h"
#include "nmt/classify/classifier_training.h"
#include "nmt/classify/settings_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nmt::classify;
  const std::string path =
      nmt::fuzz::write_scratch_file("variant.ini", std::string_view(reinterpret_cast<const char*>(data), size));
  std::map<std::string, std::string> settings;
  try {
    read_settings_file(path, variant_setting_names(), settings);
  } catch (const SettingsError&) {
    return 0;
  }
  for (const auto& [name, value] : settings) NMT_FUZZ_CHECK(variant_setting_names().count(name));
  try {
    const Variant variant = Variant::from_map("variant", settings);
    // What a model file records must read back as the same variant.
    NMT_FUZZ_CHECK(Variant::from_map("variant", variant.to_map()).to_map() == variant.to_map());
  } catch (const std::invalid_argument&) {
  }
  return 0;
}

#!/usr/bin/env bash
# Shows that a change leaves every example's output as it was (a refactoring's proof):
#
#   scripts/report-snapshot.sh OUT            run, predict and monitor every example into OUT
#                                             (with this checkout's build: npm run build first)
#   scripts/report-snapshot.sh --compare A B  compare two snapshots byte for byte, with the
#                                             commit each was made on and its folder masked
#
# Take one snapshot on the commit before the change and one after, then compare them.
set -euo pipefail

if [[ "${1:-}" == "--compare" ]]; then
  a=${2:?usage: report-snapshot.sh --compare A B}
  b=${3:?usage: report-snapshot.sh --compare A B}
  mask() { sed -e "s/$(cat "$2/.commit")/COMMIT/g; s/$(cut -c1-12 "$2/.commit")/COMMIT/g; s#$2#OUT#g" "$1"; }
  files=0
  differ=0
  while IFS= read -r f; do
    files=$((files + 1))
    if ! cmp -s <(mask "$a/$f" "$a") <(mask "$b/$f" "$b"); then
      echo "differs: $f"
      differ=$((differ + 1))
    fi
  done < <(cd "$a" && find . -type f ! -name .commit | sort)
  echo "$files files compared, $differ differ"
  [[ $differ -eq 0 ]]
  exit
fi

shopt -s nullglob
out=$(realpath -m "${1:?usage: report-snapshot.sh OUT | --compare A B}")
rm -rf "$out"
mkdir -p "$out"
git rev-parse HEAD > "$out/.commit"
for config in examples/*/modelgate.yml; do
  ex=$(basename "$(dirname "$config")")
  specs=("examples/$ex"/data/*.data.yml)
  files=("examples/$ex"/data/*.json "examples/$ex"/data/*.csv)
  [[ ${#specs[@]} -gt 0 && ${#files[@]} -gt 0 ]] || continue
  spec=${specs[0]}
  data=${files[0]}
  code=0
  node bin/modelgate.js run --config "$config" --out "$out/$ex/run" > "$out/$ex.run.log" 2>&1 || code=$?
  echo "run $ex: exit $code"
  for model in "$out/$ex"/run/models/*.json; do
    name=$(basename "$model" .json)
    code=0
    node bin/modelgate.js predict --config "$config" --model "$model" --data "$data" --spec "$spec" \
      --out "$out/$ex/$name.predict.csv" > "$out/$ex.$name.predict.log" 2>&1 || code=$?
    echo "predict $ex $name: exit $code"
    code=0
    node bin/modelgate.js monitor --config "$config" --model "$name" --data "$data" \
      --out "$out/$ex/$name.monitor" > "$out/$ex.$name.monitor.log" 2>&1 || code=$?
    echo "monitor $ex $name: exit $code"
  done
done

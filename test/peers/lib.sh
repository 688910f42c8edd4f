# Sourced by the peer scripts.
# render TEMPLATE OUT KEY=VALUE...: copy TEMPLATE to OUT with each @KEY@ replaced by VALUE.
render() {
  local in=$1 out=$2; shift 2; local args=()
  for kv in "$@"; do args+=(-e "s|@${kv%%=*}@|${kv#*=}|g"); done
  sed "${args[@]}" "$in" > "$out"
}

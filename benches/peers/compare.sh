# Sourced by the whole-command benchmarks (benches/peers/run.sh, benches/national/run.sh);
# expects $runs (pairs to run) and $out (a scratch folder).
# Runs our command and the peer's alternately (so that drift of a shared machine touches both
# alike) and prints the median seconds and largest peak memory of each, and the median of the
# per-pair ratios. Usage: compare LABEL_OURS LABEL_PEER -- OURS... -- PEER...
compare() {
  local ours_label=$1 peer_label=$2; shift 3
  local ours=() peer=()
  while [ "$1" != -- ]; do ours+=("$1"); shift; done; shift
  peer=("$@")
  for _ in $(seq "$runs"); do
    /usr/bin/time -o "$out/t_ours" -f "%e %M" "${ours[@]}" >/dev/null 2>&1
    /usr/bin/time -o "$out/t_peer" -f "%e %M" "${peer[@]}" >/dev/null 2>&1
    echo "$(tail -1 "$out/t_ours") $(tail -1 "$out/t_peer")"
  done | awk -v a="$ours_label" -v b="$peer_label" -v n="$runs" '
    { t1[NR]=$1; t2[NR]=$3; r[NR]=$3/$1; if ($2>m1) m1=$2; if ($4>m2) m2=$4 }
    function median(x,   i, j, k, tmp) { for (i=1;i<=n;i++) tmp[i]=x[i];
      for (i=2;i<=n;i++) { k=tmp[i]; for (j=i-1;j>0 && tmp[j]>k;j--) tmp[j+1]=tmp[j]; tmp[j+1]=k }
      return tmp[int((n+1)/2)] }
    END { printf "  %s: %s s, %.0f MB\n  %s: %s s, %.0f MB\n  ratio (peer / borderscape), median of the %d alternating pairs: %.1f x\n",
          a, median(t1), m1/1024, b, median(t2), m2/1024, n, median(r) }'
}


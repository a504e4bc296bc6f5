;; Folds a block of rows into the triangular factor R by one Householder reflection per column:
;; the hot loop of qr-accumulator.ts (which loads it; `npm run wasm` turns this text into
;; qr-fold-wasm.ts). The same operations on every number as the accumulator's JavaScript fold,
;; so the same factor bit for bit.
;;
;; The live columns of the block (column-major, `blockRows` apart) are first copied side by
;; side, row by row, into `rows` (L columns a row): two neighbouring columns then share a 128-bit
;; lane pair, and each lane does exactly what the scalar loop does to its column (dot products
;; still add their rows in order).
;;
;; fold(m, width, count, block, blockRows, rows, r, cols) -> 0, or 1 + the column whose values
;; are too large to factor. `cols` holds the `count` live columns (i32, ascending); R is
;; row-major width × width.
(module
  (import "env" "memory" (memory 1))

  (func (export "fold")
    (param $m i32) (param $width i32) (param $count i32) (param $block i32) (param $blockRows i32)
    (param $rows i32) (param $r i32) (param $cols i32)
    (result i32)
    (local $q i32) (local $p i32) (local $i i32) (local $j i32) (local $at i32) (local $step i32)
    (local $sigma f64) (local $alpha f64) (local $mu f64) (local $v0 f64) (local $tau f64)
    (local $inv f64) (local $u f64) (local $s f64) (local $x f64)
    (local $rj i32) (local $r1 i32) (local $r2 i32) (local $r3 i32) (local $r4 i32)
    (local $r5 i32) (local $r6 i32) (local $r7 i32) (local $r8 i32)
    (local $s1 v128) (local $s2 v128) (local $s3 v128) (local $s4 v128) (local $uu v128)
    ;; $step: bytes from one row to the next in `rows`.
    (local.set $step (i32.shl (local.get $count) (i32.const 3)))
    ;; Copy the live columns row by row.
    (local.set $q (i32.const 0))
    (block $copied
      (loop $column
        (br_if $copied (i32.ge_u (local.get $q) (local.get $count)))
        (local.set $j (i32.load (i32.add (local.get $cols) (i32.shl (local.get $q) (i32.const 2)))))
        (local.set $at (i32.add (local.get $block)
          (i32.shl (i32.mul (local.get $j) (local.get $blockRows)) (i32.const 3))))
        (local.set $i (i32.const 0))
        (block $rowsDone
          (loop $row
            (br_if $rowsDone (i32.ge_u (local.get $i) (local.get $m)))
            (f64.store
              (i32.add (local.get $rows)
                (i32.add (i32.mul (local.get $i) (local.get $step)) (i32.shl (local.get $q) (i32.const 3))))
              (f64.load (i32.add (local.get $at) (i32.shl (local.get $i) (i32.const 3)))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $row)))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (br $column)))

    (local.set $q (i32.const 0))
    (block $folded
      (loop $pivot
        (br_if $folded (i32.ge_u (local.get $q) (local.get $count)))
        (block $nextPivot
          (local.set $j (i32.load (i32.add (local.get $cols) (i32.shl (local.get $q) (i32.const 2)))))
          ;; $at walks down the pivot's column in `rows`.
          (local.set $sigma (f64.const 0))
          (local.set $i (i32.const 0))
          (local.set $at (i32.add (local.get $rows) (i32.shl (local.get $q) (i32.const 3))))
          (block $sumDone
            (loop $sum
              (br_if $sumDone (i32.ge_u (local.get $i) (local.get $m)))
              (local.set $x (f64.load (local.get $at)))
              (local.set $sigma (f64.add (local.get $sigma) (f64.mul (local.get $x) (local.get $x))))
              (local.set $at (i32.add (local.get $at) (local.get $step)))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br $sum)))
          (br_if $nextPivot (f64.eq (local.get $sigma) (f64.const 0)))
          ;; R's row j starts at $rj; the diagonal is r[j, j].
          (local.set $rj (i32.add (local.get $r)
            (i32.shl (i32.mul (local.get $j) (local.get $width)) (i32.const 3))))
          (local.set $alpha (f64.load (i32.add (local.get $rj) (i32.shl (local.get $j) (i32.const 3)))))
          (local.set $mu (f64.sqrt (f64.add (f64.mul (local.get $alpha) (local.get $alpha)) (local.get $sigma))))
          (if (i32.eqz (f64.lt (local.get $mu) (f64.const inf)))
            (then (return (i32.add (local.get $j) (i32.const 1)))))
          ;; v0 = alpha - mu without cancellation, so the new diagonal is +mu.
          (local.set $v0
            (if (result f64) (f64.le (local.get $alpha) (f64.const 0))
              (then (f64.sub (local.get $alpha) (local.get $mu)))
              (else (f64.div (f64.neg (local.get $sigma)) (f64.add (local.get $alpha) (local.get $mu))))))
          (local.set $tau (f64.div (f64.neg (local.get $v0)) (local.get $mu)))
          (local.set $inv (f64.div (f64.const 1) (local.get $v0)))
          (local.set $i (i32.const 0))
          (local.set $at (i32.add (local.get $rows) (i32.shl (local.get $q) (i32.const 3))))
          (block $scaled
            (loop $scale
              (br_if $scaled (i32.ge_u (local.get $i) (local.get $m)))
              (f64.store (local.get $at) (f64.mul (f64.load (local.get $at)) (local.get $inv)))
              (local.set $at (i32.add (local.get $at) (local.get $step)))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br $scale)))

          ;; Eight columns at a time (four lane pairs): one pass over the Householder vector
          ;; serves eight dot products, and one more their updates.
          (local.set $p (i32.add (local.get $q) (i32.const 1)))
          (block $eightsDone
            (loop $eights
              (br_if $eightsDone (i32.gt_u (i32.add (local.get $p) (i32.const 8)) (local.get $count)))
              (local.set $r1 (call $rAt (local.get $rj) (local.get $cols) (local.get $p)))
              (local.set $r2 (call $rAt (local.get $rj) (local.get $cols) (i32.add (local.get $p) (i32.const 1))))
              (local.set $r3 (call $rAt (local.get $rj) (local.get $cols) (i32.add (local.get $p) (i32.const 2))))
              (local.set $r4 (call $rAt (local.get $rj) (local.get $cols) (i32.add (local.get $p) (i32.const 3))))
              (local.set $r5 (call $rAt (local.get $rj) (local.get $cols) (i32.add (local.get $p) (i32.const 4))))
              (local.set $r6 (call $rAt (local.get $rj) (local.get $cols) (i32.add (local.get $p) (i32.const 5))))
              (local.set $r7 (call $rAt (local.get $rj) (local.get $cols) (i32.add (local.get $p) (i32.const 6))))
              (local.set $r8 (call $rAt (local.get $rj) (local.get $cols) (i32.add (local.get $p) (i32.const 7))))
              (local.set $s1 (call $pair (local.get $r1) (local.get $r2)))
              (local.set $s2 (call $pair (local.get $r3) (local.get $r4)))
              (local.set $s3 (call $pair (local.get $r5) (local.get $r6)))
              (local.set $s4 (call $pair (local.get $r7) (local.get $r8)))
              (local.set $i (i32.const 0))
              (local.set $at (i32.add (local.get $rows) (i32.shl (local.get $q) (i32.const 3))))
              (local.set $j (i32.shl (i32.sub (local.get $p) (local.get $q)) (i32.const 3)))
              (block $dotsDone
                (loop $dots
                  (br_if $dotsDone (i32.ge_u (local.get $i) (local.get $m)))
                  (local.set $uu (f64x2.splat (f64.load (local.get $at))))
                  (local.set $s1 (f64x2.add (local.get $s1)
                    (f64x2.mul (local.get $uu) (v128.load (i32.add (local.get $at) (local.get $j))))))
                  (local.set $s2 (f64x2.add (local.get $s2)
                    (f64x2.mul (local.get $uu) (v128.load offset=16 (i32.add (local.get $at) (local.get $j))))))
                  (local.set $s3 (f64x2.add (local.get $s3)
                    (f64x2.mul (local.get $uu) (v128.load offset=32 (i32.add (local.get $at) (local.get $j))))))
                  (local.set $s4 (f64x2.add (local.get $s4)
                    (f64x2.mul (local.get $uu) (v128.load offset=48 (i32.add (local.get $at) (local.get $j))))))
                  (local.set $at (i32.add (local.get $at) (local.get $step)))
                  (local.set $i (i32.add (local.get $i) (i32.const 1)))
                  (br $dots)))
              (local.set $uu (f64x2.splat (local.get $tau)))
              (local.set $s1 (f64x2.mul (local.get $s1) (local.get $uu)))
              (local.set $s2 (f64x2.mul (local.get $s2) (local.get $uu)))
              (local.set $s3 (f64x2.mul (local.get $s3) (local.get $uu)))
              (local.set $s4 (f64x2.mul (local.get $s4) (local.get $uu)))
              (call $subtract (local.get $r1) (local.get $r2) (local.get $s1))
              (call $subtract (local.get $r3) (local.get $r4) (local.get $s2))
              (call $subtract (local.get $r5) (local.get $r6) (local.get $s3))
              (call $subtract (local.get $r7) (local.get $r8) (local.get $s4))
              (local.set $i (i32.const 0))
              (local.set $at (i32.add (local.get $rows) (i32.shl (local.get $q) (i32.const 3))))
              (block $updatesDone
                (loop $updates
                  (br_if $updatesDone (i32.ge_u (local.get $i) (local.get $m)))
                  (local.set $uu (f64x2.splat (f64.load (local.get $at))))
                  (local.set $r1 (i32.add (local.get $at) (local.get $j)))
                  (v128.store (local.get $r1)
                    (f64x2.sub (v128.load (local.get $r1)) (f64x2.mul (local.get $s1) (local.get $uu))))
                  (v128.store offset=16 (local.get $r1)
                    (f64x2.sub (v128.load offset=16 (local.get $r1)) (f64x2.mul (local.get $s2) (local.get $uu))))
                  (v128.store offset=32 (local.get $r1)
                    (f64x2.sub (v128.load offset=32 (local.get $r1)) (f64x2.mul (local.get $s3) (local.get $uu))))
                  (v128.store offset=48 (local.get $r1)
                    (f64x2.sub (v128.load offset=48 (local.get $r1)) (f64x2.mul (local.get $s4) (local.get $uu))))
                  (local.set $at (i32.add (local.get $at) (local.get $step)))
                  (local.set $i (i32.add (local.get $i) (i32.const 1)))
                  (br $updates)))
              (local.set $p (i32.add (local.get $p) (i32.const 8)))
              (br $eights)))

          ;; The columns left, one lane pair at a time, then one column.
          (block $pairsDone
            (loop $pairs
              (br_if $pairsDone (i32.gt_u (i32.add (local.get $p) (i32.const 2)) (local.get $count)))
              (local.set $r1 (call $rAt (local.get $rj) (local.get $cols) (local.get $p)))
              (local.set $r2 (call $rAt (local.get $rj) (local.get $cols) (i32.add (local.get $p) (i32.const 1))))
              (local.set $s1 (call $pair (local.get $r1) (local.get $r2)))
              (local.set $j (i32.shl (i32.sub (local.get $p) (local.get $q)) (i32.const 3)))
              (local.set $i (i32.const 0))
              (local.set $at (i32.add (local.get $rows) (i32.shl (local.get $q) (i32.const 3))))
              (block $dotDone
                (loop $dot
                  (br_if $dotDone (i32.ge_u (local.get $i) (local.get $m)))
                  (local.set $s1 (f64x2.add (local.get $s1)
                    (f64x2.mul (f64x2.splat (f64.load (local.get $at)))
                               (v128.load (i32.add (local.get $at) (local.get $j))))))
                  (local.set $at (i32.add (local.get $at) (local.get $step)))
                  (local.set $i (i32.add (local.get $i) (i32.const 1)))
                  (br $dot)))
              (local.set $s1 (f64x2.mul (local.get $s1) (f64x2.splat (local.get $tau))))
              (call $subtract (local.get $r1) (local.get $r2) (local.get $s1))
              (local.set $i (i32.const 0))
              (local.set $at (i32.add (local.get $rows) (i32.shl (local.get $q) (i32.const 3))))
              (block $updateDone
                (loop $update
                  (br_if $updateDone (i32.ge_u (local.get $i) (local.get $m)))
                  (local.set $r3 (i32.add (local.get $at) (local.get $j)))
                  (v128.store (local.get $r3)
                    (f64x2.sub (v128.load (local.get $r3))
                               (f64x2.mul (local.get $s1) (f64x2.splat (f64.load (local.get $at))))))
                  (local.set $at (i32.add (local.get $at) (local.get $step)))
                  (local.set $i (i32.add (local.get $i) (i32.const 1)))
                  (br $update)))
              (local.set $p (i32.add (local.get $p) (i32.const 2)))
              (br $pairs)))
          (if (i32.lt_u (local.get $p) (local.get $count))
            (then
              (local.set $r1 (call $rAt (local.get $rj) (local.get $cols) (local.get $p)))
              (local.set $s (f64.load (local.get $r1)))
              (local.set $j (i32.shl (i32.sub (local.get $p) (local.get $q)) (i32.const 3)))
              (local.set $i (i32.const 0))
              (local.set $at (i32.add (local.get $rows) (i32.shl (local.get $q) (i32.const 3))))
              (block $lastDotDone
                (loop $lastDot
                  (br_if $lastDotDone (i32.ge_u (local.get $i) (local.get $m)))
                  (local.set $s (f64.add (local.get $s)
                    (f64.mul (f64.load (local.get $at)) (f64.load (i32.add (local.get $at) (local.get $j))))))
                  (local.set $at (i32.add (local.get $at) (local.get $step)))
                  (local.set $i (i32.add (local.get $i) (i32.const 1)))
                  (br $lastDot)))
              (local.set $s (f64.mul (local.get $s) (local.get $tau)))
              (f64.store (local.get $r1) (f64.sub (f64.load (local.get $r1)) (local.get $s)))
              (local.set $i (i32.const 0))
              (local.set $at (i32.add (local.get $rows) (i32.shl (local.get $q) (i32.const 3))))
              (block $lastUpdateDone
                (loop $lastUpdate
                  (br_if $lastUpdateDone (i32.ge_u (local.get $i) (local.get $m)))
                  (local.set $r3 (i32.add (local.get $at) (local.get $j)))
                  (f64.store (local.get $r3)
                    (f64.sub (f64.load (local.get $r3)) (f64.mul (local.get $s) (f64.load (local.get $at)))))
                  (local.set $at (i32.add (local.get $at) (local.get $step)))
                  (local.set $i (i32.add (local.get $i) (i32.const 1)))
                  (br $lastUpdate)))))
          (f64.store (i32.add (local.get $rj) (i32.shl (call $j0 (local.get $cols) (local.get $q)) (i32.const 3)))
                     (local.get $mu)))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (br $pivot)))
    (i32.const 0))

  ;; The address of r[j, cols[p]] given R's row j at $rj.
  (func $rAt (param $rj i32) (param $cols i32) (param $p i32) (result i32)
    (i32.add (local.get $rj)
      (i32.shl (i32.load (i32.add (local.get $cols) (i32.shl (local.get $p) (i32.const 2)))) (i32.const 3))))

  ;; The live column index cols[q].
  (func $j0 (param $cols i32) (param $q i32) (result i32)
    (i32.load (i32.add (local.get $cols) (i32.shl (local.get $q) (i32.const 2)))))

  ;; Two entries of R as a lane pair.
  (func $pair (param $a i32) (param $b i32) (result v128)
    (f64x2.replace_lane 1 (f64x2.splat (f64.load (local.get $a))) (f64.load (local.get $b))))

  ;; r[a] -= lane 0 of s, r[b] -= lane 1.
  (func $subtract (param $a i32) (param $b i32) (param $s v128)
    (f64.store (local.get $a) (f64.sub (f64.load (local.get $a)) (f64x2.extract_lane 0 (local.get $s))))
    (f64.store (local.get $b) (f64.sub (f64.load (local.get $b)) (f64x2.extract_lane 1 (local.get $s)))))
)

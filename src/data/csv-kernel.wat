;; Reads a run of CSV records of plain values into columns: the hot loop of the CSV reader for
;; data with no string column (csv-kernel.ts loads it; `npm run wasm` turns this text into
;; csv-kernel-wasm.ts).
;;
;; A record is read only when every one of its `fields` fields is, for a number or integer
;; column, a plain number, `[+-]digits[.digits]` with 1 to 15 digits, within its column's range
;; (an integer column's value a safe integer); for a category column (a boolean is one whose
;; levels are its spellings), the ASCII bytes of a level the table already holds (not quoted, not
;; empty); for a date column, a day written YYYY-MM-DD within its range. Fields are separated
;; by `delim`, and the record ends with LF or CRLF before `end`, at most `maxRecord` bytes with
;; its line break. The first record that is anything else (a quote, another spelling, a missing
;; value, a new level, a blank line, a record cut by the end of the window) ends the run: the
;; reader reads it the general way, which also says what is wrong, and adds a new level to the
;; table.
;;
;; A value is the integer the digits spell, as a double (exact: at most 15 digits), divided by
;; 10^(digits after the point), negated after a minus: the same operations, so the same double,
;; as the JavaScript fast path in csv-tokenizer.ts. Eight digits after the point are read at
;; once (a 64-bit word: check that all are digits, then three multiplies).
;;
;; Memory, laid out by csv-kernel.ts:
;;   [0, 128)            10^0 .. 10^15 as doubles
;;   bounds + 16 f       field f's column min, then max (doubles)
;;   kinds + f           field f's column: 0 number, 1 integer, 2 category (or boolean), 3 date
;;   out + 8 (f stride + r)   the value of field f of the run's row r (a category's level code)
;;   table + 16 s        slot s of the levels' hash table (mask + 1 slots, never full): the
;;                       hash, the code (-1: empty), the address of the level's bytes, and
;;                       field << 20 | length; see $levelCode
;;   the window of bytes; the caller writes a 0 at `end` so every number loop stops there.
(module
  (import "env" "memory" (memory 1))
  ;; Just past the last record read.
  (global $next (export "next") (mut i32) (i32.const 0))

  ;; Returns the number of records read (at most maxRows), from `pos`; `next` is where they end.
  (func (export "readRun")
    (param $pos i32) (param $end i32) (param $delim i32) (param $fields i32)
    (param $out i32) (param $stride i32) (param $maxRows i32) (param $maxRecord i32)
    (param $bounds i32) (param $kinds i32) (param $table i32) (param $mask i32)
    (result i32)
    (local $i i32) (local $rows i32) (local $f i32) (local $c i32) (local $negative i32)
    (local $mantissa i64) (local $from i32) (local $whole i32) (local $fraction i32)
    (local $word i64) (local $v f64) (local $start i32) (local $d i32) (local $bound i32)
    (local $kind i32) (local $to i32)
    (local.set $i (local.get $pos))
    (global.set $next (local.get $pos))
    (block $done
      (loop $record
        (br_if $done (i32.ge_u (local.get $rows) (local.get $maxRows)))
        (local.set $start (local.get $i))
        (local.set $f (i32.const 0))
        (loop $field
          (local.set $c (i32.load8_u (local.get $i)))
          (local.set $kind (i32.load8_u (i32.add (local.get $kinds) (local.get $f))))
          ;; The field's value into $v, by its column's kind.
          (block $value
            (if (i32.eq (local.get $kind) (i32.const 2))
              (then
                ;; A category: the bytes up to the delimiter or the line feed, not quoted, ASCII.
                (br_if $done (i32.eq (local.get $c) (i32.const 34)))
                (local.set $from (local.get $i))
                (block $textEnd
                  (loop $text
                    (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
                    (local.set $c (i32.load8_u (local.get $i)))
                    (br_if $textEnd (i32.or (i32.eq (local.get $c) (local.get $delim))
                                            (i32.eq (local.get $c) (i32.const 10))))
                    (br_if $done (i32.ge_u (local.get $c) (i32.const 128)))
                    (local.set $i (i32.add (local.get $i) (i32.const 1)))
                    (br $text)))
                ;; In the last field a CR before the line feed is the line break's.
                (local.set $to (local.get $i))
                (if (i32.and (i32.eq (i32.add (local.get $f) (i32.const 1)) (local.get $fields))
                             (i32.and (i32.gt_u (local.get $to) (local.get $from))
                                      (i32.eq (i32.load8_u (i32.sub (local.get $to) (i32.const 1))) (i32.const 13))))
                  (then (local.set $to (i32.sub (local.get $to) (i32.const 1)))))
                ;; An empty cell is a missing value: the general way.
                (br_if $done (i32.eq (local.get $to) (local.get $from)))
                (local.set $d (call $levelCode (local.get $f) (local.get $from) (local.get $to)
                                               (local.get $table) (local.get $mask)))
                (br_if $done (i32.lt_s (local.get $d) (i32.const 0)))
                (local.set $v (f64.convert_i32_s (local.get $d)))
                (br $value)))
            (if (i32.eq (local.get $kind) (i32.const 3))
              (then
                ;; A date written YYYY-MM-DD, as epoch milliseconds.
                (local.set $d (call $dateDays (local.get $i)))
                (br_if $done (i32.eq (local.get $d) (i32.const 0x7fffffff)))
                (local.set $i (i32.add (local.get $i) (i32.const 10)))
                (local.set $v (f64.mul (f64.convert_i32_s (local.get $d)) (f64.const 86400000)))
                (br $value)))
            ;; An optional sign.
            (local.set $negative (i32.eq (local.get $c) (i32.const 45)))
            (local.set $i (i32.add (local.get $i)
              (i32.or (local.get $negative) (i32.eq (local.get $c) (i32.const 43)))))
            ;; The digits before the point.
            (local.set $from (local.get $i))
            (local.set $mantissa (i64.const 0))
            (block $wholeEnd
              (loop $wholeDigit
                (local.set $d (i32.sub (i32.load8_u (local.get $i)) (i32.const 48)))
                (br_if $wholeEnd (i32.gt_u (local.get $d) (i32.const 9)))
                (local.set $mantissa (i64.add (i64.mul (local.get $mantissa) (i64.const 10))
                                              (i64.extend_i32_u (local.get $d))))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $wholeDigit)))
            (local.set $whole (i32.sub (local.get $i) (local.get $from)))
            ;; The point and the digits after it.
            (local.set $fraction (i32.const 0))
            (if (i32.eq (i32.load8_u (local.get $i)) (i32.const 46))
              (then
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (local.set $from (local.get $i))
                (local.set $word (i64.load (local.get $i)))
                ;; Eight digits at once when the next eight bytes are all digits.
                (if (i64.eq
                      (i64.or
                        (i64.and (local.get $word) (i64.const 0xF0F0F0F0F0F0F0F0))
                        (i64.shr_u
                          (i64.and (i64.add (local.get $word) (i64.const 0x0606060606060606))
                                   (i64.const 0xF0F0F0F0F0F0F0F0))
                          (i64.const 4)))
                      (i64.const 0x3333333333333333))
                  (then
                    (local.set $word (i64.shr_u
                      (i64.mul (i64.and (local.get $word) (i64.const 0x0F0F0F0F0F0F0F0F)) (i64.const 2561))
                      (i64.const 8)))
                    (local.set $word (i64.shr_u
                      (i64.mul (i64.and (local.get $word) (i64.const 0x00FF00FF00FF00FF)) (i64.const 6553601))
                      (i64.const 16)))
                    (local.set $word (i64.shr_u
                      (i64.mul (i64.and (local.get $word) (i64.const 0x0000FFFF0000FFFF)) (i64.const 42949672960001))
                      (i64.const 32)))
                    (local.set $mantissa (i64.add (i64.mul (local.get $mantissa) (i64.const 100000000))
                                                  (local.get $word)))
                    (local.set $i (i32.add (local.get $i) (i32.const 8)))))
                (block $fractionEnd
                  (loop $fractionDigit
                    (local.set $d (i32.sub (i32.load8_u (local.get $i)) (i32.const 48)))
                    (br_if $fractionEnd (i32.gt_u (local.get $d) (i32.const 9)))
                    (local.set $mantissa (i64.add (i64.mul (local.get $mantissa) (i64.const 10))
                                                  (i64.extend_i32_u (local.get $d))))
                    (local.set $i (i32.add (local.get $i) (i32.const 1)))
                    (br $fractionDigit)))
                (local.set $fraction (i32.sub (local.get $i) (local.get $from)))))
            ;; 1 to 15 digits: the mantissa is exact in a double (a longer one may have wrapped).
            (local.set $d (i32.add (local.get $whole) (local.get $fraction)))
            (br_if $done (i32.or (i32.eqz (local.get $d)) (i32.gt_u (local.get $d) (i32.const 15))))
            (local.set $v (f64.convert_i64_s (local.get $mantissa)))
            (if (local.get $fraction)
              (then (local.set $v (f64.div (local.get $v)
                                           (f64.load (i32.shl (local.get $fraction) (i32.const 3)))))))
            (if (local.get $negative) (then (local.set $v (f64.neg (local.get $v)))))
          )
          ;; A number's or a date's range, and a safe integer for an integer column.
          (if (i32.ne (local.get $kind) (i32.const 2))
            (then
              (local.set $bound (i32.add (local.get $bounds) (i32.shl (local.get $f) (i32.const 4))))
              (br_if $done (i32.eqz (i32.and
                (f64.ge (local.get $v) (f64.load (local.get $bound)))
                (f64.le (local.get $v) (f64.load offset=8 (local.get $bound))))))
              (if (i32.eq (local.get $kind) (i32.const 1))
                (then (br_if $done (i32.or
                  (f64.ne (f64.trunc (local.get $v)) (local.get $v))
                  (f64.gt (f64.abs (local.get $v)) (f64.const 9007199254740991))))))))
          ;; Stored before the record is known whole: a row counts only once it is.
          (f64.store
            (i32.add (local.get $out)
                     (i32.shl (i32.add (i32.mul (local.get $f) (local.get $stride)) (local.get $rows))
                              (i32.const 3)))
            (local.get $v))
          (local.set $c (i32.load8_u (local.get $i)))
          (local.set $f (i32.add (local.get $f) (i32.const 1)))
          (if (i32.lt_u (local.get $f) (local.get $fields))
            (then
              (br_if $done (i32.ne (local.get $c) (local.get $delim)))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br $field))))
        ;; The record ends with LF or CRLF inside the window.
        (if (i32.eq (local.get $c) (i32.const 13))
          (then
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (local.set $c (i32.load8_u (local.get $i)))))
        (br_if $done (i32.or (i32.ne (local.get $c) (i32.const 10))
                             (i32.ge_u (local.get $i) (local.get $end))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $done (i32.gt_u (i32.sub (local.get $i) (local.get $start)) (local.get $maxRecord)))
        (local.set $rows (i32.add (local.get $rows) (i32.const 1)))
        (global.set $next (local.get $i))
        (br $record)))
    (local.get $rows))

  ;; The days from 1970-01-01 of the date YYYY-MM-DD at `at` (H. Hinnant's days_from_civil, as
  ;; parseIsoDate computes them), or 0x7fffffff when the ten bytes are not such a date.
  (func $dateDays (param $at i32) (result i32)
    (local $y i32) (local $m i32) (local $d i32) (local $k i32) (local $c i32) (local $days i32)
    (local $era i32) (local $yoe i32) (local $doy i32)
    (if (i32.or (i32.ne (i32.load8_u offset=4 (local.get $at)) (i32.const 45))
                (i32.ne (i32.load8_u offset=7 (local.get $at)) (i32.const 45)))
      (then (return (i32.const 0x7fffffff))))
    ;; The digits: four of the year, two of the month, two of the day.
    (local.set $k (i32.const 0))
    (block $digitsDone
      (loop $digit
        (br_if $digitsDone (i32.ge_u (local.get $k) (i32.const 10)))
        (if (i32.and (i32.ne (local.get $k) (i32.const 4)) (i32.ne (local.get $k) (i32.const 7)))
          (then
            (local.set $c (i32.sub (i32.load8_u (i32.add (local.get $at) (local.get $k))) (i32.const 48)))
            (if (i32.gt_u (local.get $c) (i32.const 9)) (then (return (i32.const 0x7fffffff))))
            (if (i32.lt_u (local.get $k) (i32.const 4))
              (then (local.set $y (i32.add (i32.mul (local.get $y) (i32.const 10)) (local.get $c))))
              (else (if (i32.lt_u (local.get $k) (i32.const 7))
                (then (local.set $m (i32.add (i32.mul (local.get $m) (i32.const 10)) (local.get $c))))
                (else (local.set $d (i32.add (i32.mul (local.get $d) (i32.const 10)) (local.get $c)))))))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $digit)))
    ;; A month 1 to 12 and a day of it.
    (if (i32.or (i32.or (i32.lt_u (local.get $m) (i32.const 1)) (i32.gt_u (local.get $m) (i32.const 12)))
                (i32.or (i32.lt_u (local.get $d) (i32.const 1))
                        (i32.gt_u (local.get $d) (call $daysInMonth (local.get $y) (local.get $m)))))
      (then (return (i32.const 0x7fffffff))))
    (local.set $y (i32.sub (local.get $y) (i32.le_u (local.get $m) (i32.const 2))))
    ;; era = floor(y / 400): y is -1 at least.
    (local.set $era (i32.div_s
      (if (result i32) (i32.lt_s (local.get $y) (i32.const 0))
        (then (i32.sub (local.get $y) (i32.const 399)))
        (else (local.get $y)))
      (i32.const 400)))
    (local.set $yoe (i32.sub (local.get $y) (i32.mul (local.get $era) (i32.const 400))))
    (local.set $doy (i32.sub (i32.add
      (i32.div_u (i32.add (i32.mul (i32.const 153)
                                   (i32.add (local.get $m)
                                            (if (result i32) (i32.gt_u (local.get $m) (i32.const 2))
                                              (then (i32.const -3)) (else (i32.const 9)))))
                          (i32.const 2))
                 (i32.const 5))
      (local.get $d)) (i32.const 1)))
    (local.set $days (i32.add (i32.mul (local.get $era) (i32.const 146097))
      (i32.sub
        (i32.add (i32.sub (i32.add (i32.mul (local.get $yoe) (i32.const 365))
                                   (i32.div_u (local.get $yoe) (i32.const 4)))
                          (i32.div_u (local.get $yoe) (i32.const 100)))
                 (local.get $doy))
        (i32.const 719468))))
    (local.get $days))

  (func $daysInMonth (param $y i32) (param $m i32) (result i32)
    (if (i32.eq (local.get $m) (i32.const 2))
      (then (return (select (i32.const 29) (i32.const 28)
        (i32.or (i32.and (i32.eqz (i32.rem_u (local.get $y) (i32.const 4)))
                         (i32.ne (i32.rem_u (local.get $y) (i32.const 100)) (i32.const 0)))
                (i32.eqz (i32.rem_u (local.get $y) (i32.const 400))))))))
    (select (i32.const 30) (i32.const 31)
      (i32.or (i32.or (i32.eq (local.get $m) (i32.const 4)) (i32.eq (local.get $m) (i32.const 6)))
              (i32.or (i32.eq (local.get $m) (i32.const 9)) (i32.eq (local.get $m) (i32.const 11))))))

  ;; The code of the level whose bytes are [from, to) in field f's column, or -1 when the table
  ;; does not hold it. The hash is FNV-1a of the bytes, xor (f + 1) · 0x9E3779B1; csv-kernel.ts
  ;; computes the same when it adds a level.
  (func $levelCode (param $f i32) (param $from i32) (param $to i32) (param $table i32) (param $mask i32)
    (result i32)
    (local $h i32) (local $i i32) (local $slot i32) (local $entry i32) (local $length i32)
    (local $k i32) (local $at i32)
    (local.set $h (i32.const 0x811c9dc5))
    (local.set $i (local.get $from))
    (block $hashed
      (loop $hash
        (br_if $hashed (i32.ge_u (local.get $i) (local.get $to)))
        (local.set $h (i32.mul (i32.xor (local.get $h) (i32.load8_u (local.get $i))) (i32.const 0x01000193)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $hash)))
    (local.set $h (i32.xor (local.get $h)
      (i32.mul (i32.add (local.get $f) (i32.const 1)) (i32.const 0x9e3779b1))))
    (local.set $length (i32.sub (local.get $to) (local.get $from)))
    (local.set $slot (i32.and (local.get $h) (local.get $mask)))
    (loop $probe
      (local.set $entry (i32.add (local.get $table) (i32.shl (local.get $slot) (i32.const 4))))
      (if (i32.lt_s (i32.load offset=4 (local.get $entry)) (i32.const 0))
        (then (return (i32.const -1))))
      (if (i32.and (i32.eq (i32.load (local.get $entry)) (local.get $h))
                   (i32.eq (i32.load offset=12 (local.get $entry))
                           (i32.or (i32.shl (local.get $f) (i32.const 20)) (local.get $length))))
        (then
          (local.set $at (i32.load offset=8 (local.get $entry)))
          (local.set $k (i32.const 0))
          (block $differ
            (loop $compare
              (if (i32.ge_u (local.get $k) (local.get $length))
                (then (return (i32.load offset=4 (local.get $entry)))))
              (br_if $differ (i32.ne (i32.load8_u (i32.add (local.get $at) (local.get $k)))
                                     (i32.load8_u (i32.add (local.get $from) (local.get $k)))))
              (local.set $k (i32.add (local.get $k) (i32.const 1)))
              (br $compare)))))
      (local.set $slot (i32.and (i32.add (local.get $slot) (i32.const 1)) (local.get $mask)))
      (br $probe))
    (i32.const -1))
)

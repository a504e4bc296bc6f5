;; Reads a run of CSV records of plain numbers into columns: the hot loop of the CSV reader for
;; data of numbers only (number-rows.ts loads it; `npm run wasm` turns this text into
;; number-rows-wasm.ts).
;;
;; A record is read only when every one of its `fields` fields is a plain number,
;; `[+-]digits[.digits]` with 1 to 15 digits, within its column's range (an integer column's
;; value a safe integer), fields separated by `delim` and the record ended by LF or CRLF before
;; `end`, at most `maxRecord` bytes with its line break. The first record that is anything else
;; (a quote, another spelling, a missing value, a blank line, a record cut by the end of the
;; window) ends the run: the reader reads it the general way, which also says what is wrong.
;;
;; A value is the integer the digits spell, as a double (exact: at most 15 digits), divided by
;; 10^(digits after the point), negated after a minus: the same operations, so the same double,
;; as the JavaScript fast path in csv-tokenizer.ts. Eight digits after the point are read at
;; once (a 64-bit word: check that all are digits, then three multiplies).
;;
;; Memory, laid out by number-rows.ts:
;;   [0, 128)            10^0 .. 10^15 as doubles
;;   bounds + 16 f       field f's column min, then max (doubles)
;;   ints + f            1 when field f's column is an integer column
;;   out + 8 (f stride + r)   the value of field f of the run's row r
;;   the window of bytes; the caller writes a 0 at `end` so every loop stops there.
(module
  (import "env" "memory" (memory 1))
  ;; Just past the last record read.
  (global $next (export "next") (mut i32) (i32.const 0))

  ;; Returns the number of records read (at most maxRows), from `pos`; `next` is where they end.
  (func (export "numberRows")
    (param $pos i32) (param $end i32) (param $delim i32) (param $fields i32)
    (param $out i32) (param $stride i32) (param $maxRows i32) (param $maxRecord i32)
    (param $bounds i32) (param $ints i32)
    (result i32)
    (local $i i32) (local $rows i32) (local $f i32) (local $c i32) (local $negative i32)
    (local $mantissa i64) (local $from i32) (local $whole i32) (local $fraction i32)
    (local $word i64) (local $v f64) (local $start i32) (local $d i32) (local $bound i32)
    (local.set $i (local.get $pos))
    (global.set $next (local.get $pos))
    (block $done
      (loop $record
        (br_if $done (i32.ge_u (local.get $rows) (local.get $maxRows)))
        (local.set $start (local.get $i))
        (local.set $f (i32.const 0))
        (loop $field
          ;; An optional sign.
          (local.set $c (i32.load8_u (local.get $i)))
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
          ;; The column's range, and a safe integer for an integer column.
          (local.set $bound (i32.add (local.get $bounds) (i32.shl (local.get $f) (i32.const 4))))
          (br_if $done (i32.eqz (i32.and
            (f64.ge (local.get $v) (f64.load (local.get $bound)))
            (f64.le (local.get $v) (f64.load offset=8 (local.get $bound))))))
          (if (i32.load8_u (i32.add (local.get $ints) (local.get $f)))
            (then (br_if $done (i32.or
              (f64.ne (f64.trunc (local.get $v)) (local.get $v))
              (f64.gt (f64.abs (local.get $v)) (f64.const 9007199254740991))))))
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
)

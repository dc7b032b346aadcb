#!/usr/bin/env bats

@test "not yet written" {
  skip "not yet written"
}

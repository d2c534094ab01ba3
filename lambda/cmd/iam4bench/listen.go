package main

import (
	"net"

	"golang.org/x/time/rate"
)

func listenLoopback() (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") }

func rateOf(perSecond float64) rate.Limit { return rate.Limit(perSecond) }
